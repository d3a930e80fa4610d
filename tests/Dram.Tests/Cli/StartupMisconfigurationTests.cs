using Dram.Tests.Support;

namespace Dram.Tests.Cli;

/// <summary>
/// Issue 6's rule for bad configuration: every mistake is reported at once when dram starts,
/// one <c>dram: error:</c> line each naming the offending value, exit code 2, before any worker or
/// interpreter starts, so an operator fixes them all in one round.
/// </summary>
public sealed class StartupMisconfigurationTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dram-misconfig-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task EveryMistake_OneLineEach_AllAtOnce_Exit2()
    {
        var missingDir = Path.Combine(_dir, "no-such-static-dir");
        var missingCert = Path.Combine(_dir, "no-such-cert.pem");
        var result = await DramProcess.RunAsync(
            "--forwarded-allow-ips", "10.0.0.0/33",
            "--mount", "one=wsgi_echo:app",
            "--mount", "/two=wsgi_echo:app",
            "--mount", "/two=wsgi_echo:raw_app",
            "--static", "/assets=" + missingDir,
            "--user", "no-such-user-dram",
            "--metrics", "not-an-address",
            "--certfile", missingCert,
            "--limit-request-fields", "40000",
            "wsgi_echo:app");

        Assert.True(result.ExitCode == 2, result.ToString());
        result.AssertNoStackTrace();
        var lines = ErrorLines(result);
        Assert.All(lines, l => Assert.StartsWith("dram: error: ", l, StringComparison.Ordinal));
        AssertOneLineNaming(lines, "--forwarded-allow-ips", "10.0.0.0/33");
        AssertOneLineNaming(lines, "--mount", "one=wsgi_echo:app");
        AssertOneLineNaming(lines, "--mount", "/two");
        AssertOneLineNaming(lines, "--static", missingDir);
        AssertOneLineNaming(lines, "--user", "no-such-user-dram");
        AssertOneLineNaming(lines, "--metrics", "not-an-address");
        AssertOneLineNaming(lines, "--certfile", missingCert);
        AssertOneLineNaming(lines, "--limit-request-fields", "40000");
        Assert.Equal(8, lines.Length);
    }

    [Fact]
    public async Task CheckConfig_ReportsTheSameMistakes()
    {
        var result = await DramProcess.RunAsync("--check-config", "--mount", "/a=x:app", "--mount", "/a/=y:app", "--static", "s=" + _dir, "wsgi_echo:app");
        Assert.True(result.ExitCode == 2, result.ToString());
        var lines = ErrorLines(result);
        AssertOneLineNaming(lines, "--mount", "/a");
        AssertOneLineNaming(lines, "--static", "s=");
        Assert.Equal(2, lines.Length);
    }

    // The lines less the closing hint ("Try 'dram --help'.").
    private static string[] ErrorLines(ChildProcessResult result) =>
        [.. result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith("Try ", StringComparison.Ordinal))];

    private static void AssertOneLineNaming(string[] lines, string option, string value) =>
        Assert.Single(lines, l => l.Contains(option, StringComparison.Ordinal) && l.Contains(value, StringComparison.Ordinal));
}
