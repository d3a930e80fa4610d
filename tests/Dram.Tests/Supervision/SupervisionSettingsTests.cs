using Dram.Cli;
using Dram.Cli.Supervision;
using Dram.Server;

namespace Dram.Tests.Supervision;

/// <summary>The process-model settings and the supervisor-to-worker argument, without processes.</summary>
public sealed class SupervisionSettingsTests
{
    private static DramServerOptions Run(string[] args, Dictionary<string, string>? env = null)
    {
        var result = CommandLineParser.Parse(args, env ?? []);
        Assert.True(result.Action == ParseAction.Run, $"expected Run, got {result.Action}: {result.Error}");
        return result.Options!;
    }

    [Fact]
    public void Parse_NothingGiven_GunicornDefaults()
    {
        var options = Run([]);

        Assert.Equal(1, options.Workers);
        Assert.Equal(TimeSpan.FromSeconds(30), options.GracefulTimeout);
        Assert.Equal(0, options.MaxRequests);
        Assert.Equal(0, options.MaxRequestsJitter);
        Assert.Equal(0, options.MaxRss);
        Assert.Equal(2048, options.Backlog);
        Assert.False(options.Multiprocess);
        Assert.Empty(options.ListenHandles);
    }

    [Fact]
    public void Parse_EveryProcessSetting_AppliesEach()
    {
        var options = Run(["-w", "4", "--graceful-timeout", "5", "--max-requests", "1000", "--max-requests-jitter", "50", "--max-rss", "300", "--backlog", "64"]);

        Assert.Equal(4, options.Workers);
        Assert.Equal(TimeSpan.FromSeconds(5), options.GracefulTimeout);
        Assert.Equal(1000, options.MaxRequests);
        Assert.Equal(50, options.MaxRequestsJitter);
        Assert.Equal(300L << 20, options.MaxRss);
        Assert.Equal(64, options.Backlog);
    }

    [Fact]
    public void Parse_WorkersFromEnvironment_CommandLineWins()
    {
        Assert.Equal(3, Run([], new() { ["DRAM_WORKERS"] = "3" }).Workers);
        Assert.Equal(2, Run(["--workers", "2"], new() { ["DRAM_WORKERS"] = "3" }).Workers);
    }

    [Theory]
    [InlineData("--workers", "0")]
    [InlineData("--backlog", "0")]
    [InlineData("--max-requests", "-1")]
    public void Parse_OutOfRange_IsAUsageError(string flag, string value)
    {
        var result = CommandLineParser.Parse([flag, value], new Dictionary<string, string>());

        Assert.Equal(ParseAction.Error, result.Action);
        Assert.Contains(flag, result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void WorkerSpec_RoundTrips_AndLeavesTheUserArguments()
    {
        var spec = new WorkerSpec([3, 7], 1043, Multiprocess: true, Unset: ["DOTNET_GCgen0size", "X"]);

        Assert.True(WorkerSpec.TryParse([spec.ToArgument(), "-w", "2", "app:app"], out var parsed, out var rest));

        Assert.Equal([3, 7], parsed!.Fds);
        Assert.Equal(1043, parsed.MaxRequests);
        Assert.True(parsed.Multiprocess);
        Assert.Equal(["DOTNET_GCgen0size", "X"], parsed.Unset);
        Assert.Equal(["-w", "2", "app:app"], rest);
    }

    [Fact]
    public void WorkerSpec_OrdinaryArguments_AreNotAWorker()
    {
        Assert.False(WorkerSpec.TryParse(["-w", "2", "app:app"], out _, out var rest));
        Assert.Equal(["-w", "2", "app:app"], rest);
    }

    [Theory]
    [InlineData(137, "killed by signal 9 (SIGKILL")]
    [InlineData(139, "killed by signal 11 (SIGSEGV)")]
    [InlineData(3, "exit code 3")]
    public void Describe_NamesTheCause(int exitCode, string expected) =>
        Assert.StartsWith(expected, WorkerProcess.Describe(exitCode), StringComparison.Ordinal);
}
