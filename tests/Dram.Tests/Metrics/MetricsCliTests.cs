using System.Net;
using System.Net.Sockets;
using Dram.Cli.Supervision;
using Dram.Tests.Cli;
using Dram.Tests.Supervision;

namespace Dram.Tests.Metrics;

/// <summary>--metrics misconfigured: one line and an exit code, never a stack trace or a half-started server.</summary>
public sealed class MetricsCliTests
{
    [Theory]
    [InlineData("nonsense", "missing port")]
    [InlineData("127.0.0.1:99999", "not a port number")]
    [InlineData("unix:/tmp/dram-metrics.sock", "unix: and fd:// are not supported")]
    public async Task Metrics_BadAddress_OneLineExit2(string address, string message)
    {
        var result = await DramProcess.RunAsync("--python", Supervised.Python, "--metrics", address);

        Assert.Equal(2, result.ExitCode);
        var first = result.Stderr.Split('\n')[0];
        Assert.StartsWith("dram: error: ", first, StringComparison.Ordinal);
        Assert.Contains("--metrics", first, StringComparison.Ordinal);
        Assert.Contains(message, first, StringComparison.Ordinal);
        result.AssertNoStackTrace();
    }

    [Fact]
    public async Task Metrics_PortInUse_OneLineExit1()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;

        var result = await DramProcess.RunAsync("--python", Supervised.Python, "-b", "127.0.0.1:0", "--metrics", $"127.0.0.1:{port}");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"dram: error: cannot serve metrics: address already in use (--metrics 127.0.0.1:{port})", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Booting worker", result.Stderr, StringComparison.Ordinal);
        result.AssertNoStackTrace();
    }

    [Fact]
    public void WorkerSpec_MetricsSlot_RoundTrips()
    {
        var spec = new WorkerSpec([3], 0, Multiprocess: false, Unset: [], MetricsSlot: "/tmp/a;b=c/dram-metrics-1-2");

        Assert.True(WorkerSpec.TryParse([spec.ToArgument(), "app:app"], out var parsed, out var rest));

        Assert.Equal("/tmp/a;b=c/dram-metrics-1-2", parsed!.MetricsSlot);
        Assert.Equal(["app:app"], rest);
    }
}
