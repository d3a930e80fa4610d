using System.Globalization;
using System.Text.RegularExpressions;
using Dram.Tests.Cli;
using Dram.Tests.Support;

namespace Dram.Tests.Supervision;

/// <summary>
/// <c>--user</c> and <c>--group</c> against the real dram started as root (CI runs as root): the
/// workers, and so the app, run as the account asked for, with only its groups; the supervisor
/// keeps root, so it still removes its socket and pid files at exit.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed partial class UserSwitchTests : IDisposable
{
    // Answers the ids the app runs with, as the kernel reports them.
    private const string AppSource = """
        import os

        def app(environ, start_response):
            body = "uid=%d euid=%d gid=%d egid=%d groups=%s" % (
                os.getuid(), os.geteuid(), os.getgid(), os.getegid(), ",".join(map(str, sorted(os.getgroups()))))
            start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
            return [body.encode()]
        """;

    private readonly string _dir;

    public UserSwitchTests()
    {
        // Created 0700; the unprivileged workers must be able to read the app and reach the socket.
        _dir = Directory.CreateTempSubdirectory("dram-user-").FullName;
        File.SetUnixFileMode(_dir, (UnixFileMode)0x1ED); // 0755
        File.WriteAllText(Path.Combine(_dir, "ids_app.py"), AppSource);
    }

    private string Sock => Path.Combine(_dir, "app.sock");

    private string PidPath => Path.Combine(_dir, "dram.pid");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task UserAndGroup_WorkersRunAsNobody_SupervisorKeepsRootAndCleansUp()
    {
        Assert.True(Environment.UserName == "root", "this test needs root, as CI has: run the suite as root");
        using var dram = DramProcess.Start(
            "--python", Supervised.Python, "--chdir", _dir, "--workers", "2", "--bind", "unix:" + Sock, "--pid", PidPath,
            "--user", "nobody", "--group", "nogroup", "ids_app:app");
        await dram.WaitForListeningAsync();

        using var http = BindTests.UnixClient(Sock);
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal("uid=65534 euid=65534 gid=65534 egid=65534 groups=65534", await http.GetStringAsync(new Uri("http://localhost/")));
        }

        Assert.Equal("0", UidOf(dram.Pid));
        await StopAsync(dram);
        Assert.False(File.Exists(Sock), "the supervisor could not remove the socket file");
        Assert.False(File.Exists(PidPath), "the supervisor could not remove the pid file");
    }

    [Fact]
    public async Task UserByUid_GroupFromItsAccount()
    {
        Assert.True(Environment.UserName == "root", "this test needs root, as CI has: run the suite as root");
        using var dram = DramProcess.Start("--python", Supervised.Python, "--chdir", _dir, "--bind", "unix:" + Sock, "--user", "65534", "ids_app:app");
        await dram.WaitForListeningAsync();
        using var http = BindTests.UnixClient(Sock);
        Assert.StartsWith("uid=65534 euid=65534 gid=65534 egid=65534", await http.GetStringAsync(new Uri("http://localhost/")), StringComparison.Ordinal);
        await StopAsync(dram);
    }

    [Fact]
    public async Task User_WithMetricsAndLogFilesInARootOwnedDirectory_WorkersServeAndReopen()
    {
        Assert.True(Environment.UserName == "root", "this test needs root, as CI has: run the suite as root");

        // The logs' directory is root's and not writable by nobody: only files handed over work.
        var logs = Directory.CreateDirectory(Path.Combine(_dir, "logs")).FullName;
        File.SetUnixFileMode(logs, (UnixFileMode)0x1ED);
        var errorLog = Path.Combine(logs, "error.log");
        var accessLog = Path.Combine(logs, "access.log");
        using var dram = DramProcess.Start(
            "--python", Supervised.Python, "--chdir", _dir, "--workers", "2", "--bind", "unix:" + Sock, "--user", "nobody",
            "--metrics", "127.0.0.1:0", "--error-log", errorLog, "--access-log", accessLog, "--access-log-format", "%(U)s", "ids_app:app");
        var started = await LogFileWait.UntilAsync(errorLog, t => t.Contains("Listening at: unix:", StringComparison.Ordinal) && t.Contains("Metrics at: ", StringComparison.Ordinal));
        var metricsUrl = MetricsAt().Match(started).Groups[1].Value;

        using var http = BindTests.UnixClient(Sock);
        Assert.StartsWith("uid=65534", await http.GetStringAsync(new Uri("http://localhost/before")), StringComparison.Ordinal);
        await LogFileWait.UntilAsync(accessLog, t => t.Contains("/before", StringComparison.Ordinal));
        using var scraper = new HttpClient();
        Assert.Contains("dram_requests_total{status=\"200\"} 1", await scraper.GetStringAsync(new Uri(metricsUrl)), StringComparison.Ordinal);

        // logrotate: rename, then SIGUSR1; the new files must be nobody's too, or the workers could not reopen them.
        File.Move(accessLog, accessLog + ".1");
        File.Move(errorLog, errorLog + ".1");
        var kill = await ChildProcess.RunAsync("kill", ["-USR1", dram.Pid.ToString(CultureInfo.InvariantCulture)], CliTestPaths.RepoRoot);
        Assert.True(kill.ExitCode == 0, kill.ToString());
        await LogFileWait.UntilAsync(errorLog, t => WorkerReopened().Count(t) == 2);
        Assert.StartsWith("uid=65534", await http.GetStringAsync(new Uri("http://localhost/after")), StringComparison.Ordinal);
        await LogFileWait.UntilAsync(accessLog, t => t.Contains("/after", StringComparison.Ordinal));

        foreach (var file in new[] { errorLog, accessLog, accessLog + ".1" })
        {
            var stat = await ChildProcess.RunAsync("stat", ["-c", "%U", file], CliTestPaths.RepoRoot);
            Assert.Equal("nobody", stat.Stdout.Trim());
        }

        Assert.DoesNotContain("/before", await File.ReadAllTextAsync(accessLog), StringComparison.Ordinal);
        await StopAsync(dram);
    }

    [Fact]
    public async Task UnknownUserAndGroup_BothReportedAtOnce_Exit2()
    {
        var result = await DramProcess.RunAsync("--python", Supervised.Python, "--chdir", _dir, "--user", "no-such-user-dram", "--group", "no-such-group-dram", "ids_app:app");
        Assert.True(result.ExitCode == 2, result.ToString());
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains(lines, l => l.StartsWith("dram: error: ", StringComparison.Ordinal) && l.Contains("--user", StringComparison.Ordinal) && l.Contains("no-such-user-dram", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("dram: error: ", StringComparison.Ordinal) && l.Contains("--group", StringComparison.Ordinal) && l.Contains("no-such-group-dram", StringComparison.Ordinal));
        result.AssertNoStackTrace();
    }

    [GeneratedRegex(@"Metrics at: (\S+)")]
    private static partial Regex MetricsAt();

    [GeneratedRegex(@"\[\d+\] \[INFO\] Reopened log files\r?$", RegexOptions.Multiline)]
    private static partial Regex WorkerReopened();

    private static string UidOf(int pid) =>
        File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("Uid:", StringComparison.Ordinal)).Split('\t', StringSplitOptions.RemoveEmptyEntries)[1];

    private static async Task StopAsync(ChildProcess process)
    {
        var kill = await ChildProcess.RunAsync("kill", ["-TERM", process.Pid.ToString(CultureInfo.InvariantCulture)], CliTestPaths.RepoRoot);
        Assert.True(kill.ExitCode == 0, kill.ToString());
        var result = await process.WaitForExitAsync();
        Assert.True(result.ExitCode == 0, result.ToString());
    }
}
