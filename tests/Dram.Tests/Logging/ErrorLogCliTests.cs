using System.Globalization;
using System.Text.RegularExpressions;
using Dram.Tests.Cli;
using Dram.Tests.Support;

namespace Dram.Tests.Logging;

/// <summary>
/// --error-log FILE, --log-config and SIGUSR1 through the real dram command: a supervisor and its
/// workers sharing the files, and the logrotate pattern (rename, SIGUSR1, nothing lost).
/// </summary>
public sealed partial class ErrorLogCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dram-errorlog-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task ErrorLogFile_SupervisorAndWorkersAppendToIt_NothingOnStderr()
    {
        var errorLog = Path.Combine(_dir, "error.log");
        using var process = Start("--workers", "2", "--error-log", errorLog);
        var url = await ListeningUrlAsync(errorLog);

        var text = await LogFileWait.UntilAsync(errorLog, t => WorkerStarts(t).Count == 2);
        Assert.Contains($"[{process.Pid}] [INFO] Starting dram", text, StringComparison.Ordinal); // the supervisor's own line
        Assert.All(text.Split('\n', StringSplitOptions.RemoveEmptyEntries), line => Assert.Matches(LogLine(), line));
        using (var http = new HttpClient())
        {
            using var response = await http.GetAsync(new Uri($"{url}/gen"));
            Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        }

        await StopAsync(process);
        Assert.DoesNotContain("[INFO]", process.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LogConfig_PerCategoryLevels_LongestPrefixWins()
    {
        var config = Path.Combine(_dir, "logging.json");
        await File.WriteAllTextAsync(config, """
            // Dram's own lines from Warning, except the supervisor's and the refused requests'.
            {"LogLevel": {"Default": "Information", "dram": "Warning", "dram.supervisor": "info", "dram.limits": "Information",}}
            """);
        using var process = DramProcess.Start(
            "--python", PythonFixture.Interpreter, "--chdir", RepoPaths.Apps, "-b", "127.0.0.1:0",
            "--log-config", config, "--limit-request-line", "50", "--max-request-body", "10", "wsgi_response:app");
        var url = (await process.WaitForListeningAsync()).TrimEnd('/');

        var refused = await RawRequests.SendAsync(url, RawRequests.Get(url, "/" + new string('x', 60)));
        Assert.Equal(414, refused.StatusCode);
        var tooLarge = await RawRequests.SendAsync(url, RawRequests.Request("POST", url, "/gen", "Content-Length: 11") + "01234567890");
        Assert.Equal(413, tooLarge.StatusCode);
        await StopAsync(process);

        // The longest matching prefix wins: dram.supervisor and dram.limits over dram.
        Assert.Contains("[INFO] Booting worker with pid", process.Stderr, StringComparison.Ordinal);
        Assert.Contains("with 414: request line longer than --limit-request-line 50 bytes", process.Stderr, StringComparison.Ordinal);
        Assert.Contains("with 413: body of 11 bytes larger than --max-request-body 10 bytes", process.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Using Python", process.Stderr, StringComparison.Ordinal); // dram, at Information
    }

    [Fact]
    public async Task ErrorLogFile_AppFailsToImport_TracebackInTheFile_Exit3()
    {
        var errorLog = Path.Combine(_dir, "error.log");
        var result = await DramProcess.RunAsync(
            "--python", PythonFixture.Interpreter, "--chdir", RepoPaths.Apps, "-b", "127.0.0.1:0", "--error-log", errorLog, "wsgi_import_raises:app");

        Assert.Equal(3, result.ExitCode);
        var text = await File.ReadAllTextAsync(errorLog);
        Assert.Contains("failed to boot", text, StringComparison.Ordinal); // the supervisor
        Assert.Contains("[ERROR] ", text, StringComparison.Ordinal);
        Assert.Contains("Traceback (most recent call last)", text, StringComparison.Ordinal); // the worker's reason
    }

    [Fact]
    public async Task BadLogSettings_EachReportedOnOneLine_Exit2()
    {
        var config = Path.Combine(_dir, "bad.json");
        await File.WriteAllTextAsync(config, """{"LogLevel": {"dram": "Verbose"}}""");
        var missingDir = Path.Combine(_dir, "no-such-dir", "error.log");

        var result = await DramProcess.RunAsync(
            "--log-config", config, "--error-log", missingDir, "--limit-request-fields", "40000", "--keep-alive", "0", "wsgi_response:app");

        Assert.Equal(2, result.ExitCode);
        var errors = result.Stderr.Split('\n').Where(l => l.StartsWith("dram: error: ", StringComparison.Ordinal)).ToList();
        Assert.Equal(4, errors.Count);
        Assert.Contains(errors, e => e.Contains($"--log-config '{config}'", StringComparison.Ordinal) && e.Contains("\"dram\": \"Verbose\" is not a level", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains($"--error-log '{missingDir}'", StringComparison.Ordinal) && e.Contains("no such directory", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("--limit-request-fields '40000'", StringComparison.Ordinal) && e.Contains("from 0 to 32768", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("--keep-alive '0'", StringComparison.Ordinal));
        Assert.DoesNotContain("   at ", result.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"LogLevel": {"dram": "Debug"}, "Console": {}}""", "unknown key \"Console\"")]
    [InlineData("""{"LogLevel": ["Debug"]}""", "must be an object")]
    [InlineData("""{"LogLevel": """, "not valid JSON")]
    [InlineData(null, "cannot read it")]
    public async Task LogConfig_Invalid_OneLineExit2(string? content, string expected)
    {
        var config = Path.Combine(_dir, "log.json");
        if (content is not null)
        {
            await File.WriteAllTextAsync(config, content);
        }

        var result = await DramProcess.RunAsync("--log-config", config, "wsgi_response:app");

        Assert.Equal(2, result.ExitCode);
        var first = result.Stderr.Split('\n')[0];
        Assert.StartsWith($"dram: error: invalid --log-config '{config}': ", first, StringComparison.Ordinal);
        Assert.Contains(expected, first, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sigusr1_AfterRename_OldFilesKeepOldLinesNewFilesGetNewLines()
    {
        var errorLog = Path.Combine(_dir, "error.log");
        var accessLog = Path.Combine(_dir, "access.log");
        using var process = Start("--workers", "2", "--error-log", errorLog, "--access-log", accessLog, "--access-log-format", "%(U)s %(q)s %(p)s");
        var url = await ListeningUrlAsync(errorLog);

        using var http = new HttpClient();
        await RequestsAsync(http, url, 0, 20);
        await LogFileWait.UntilAsync(accessLog, t => Lines(t).Count == 20);

        // logrotate's default: rename the files, then signal the supervisor.
        File.Move(errorLog, errorLog + ".1");
        File.Move(accessLog, accessLog + ".1");
        var kill = await ChildProcess.RunAsync("kill", ["-USR1", process.Pid.ToString(CultureInfo.InvariantCulture)], CliTestPaths.RepoRoot);
        Assert.Equal(0, kill.ExitCode);

        // Each process says so in its new error log: the supervisor and both workers.
        var reopened = await LogFileWait.UntilAsync(errorLog, t => WorkerReopened().Count(t) == 2 && t.Contains("asking the workers", StringComparison.Ordinal));
        Assert.Equal(2, WorkerReopened().Matches(reopened).Select(m => m.Groups[1].Value).Distinct().Count());

        await RequestsAsync(http, url, 20, 20);
        await LogFileWait.UntilAsync(accessLog, t => Lines(t).Count == 20);
        await StopAsync(process);

        var old = Lines(await File.ReadAllTextAsync(accessLog + ".1"));
        var fresh = Lines(await File.ReadAllTextAsync(accessLog));
        Assert.Equal(Enumerable.Range(0, 20).Select(Query), old.Select(l => l.Split(' ')[1]).Order(StringComparer.Ordinal));
        Assert.Equal(Enumerable.Range(20, 20).Select(Query).Order(StringComparer.Ordinal), fresh.Select(l => l.Split(' ')[1]).Order(StringComparer.Ordinal));

        var oldErrors = await File.ReadAllTextAsync(errorLog + ".1");
        Assert.Contains("Starting dram", oldErrors, StringComparison.Ordinal);
        Assert.Contains("[INFO] Handling signal: USR1", oldErrors, StringComparison.Ordinal);
        var newErrors = await File.ReadAllTextAsync(errorLog);
        Assert.DoesNotContain("Starting dram", newErrors, StringComparison.Ordinal);
        Assert.Contains("Handling signal: TERM", newErrors, StringComparison.Ordinal);
    }

    private static string Query(int i) => "i=" + i.ToString("D3", CultureInfo.InvariantCulture);

    private static async Task RequestsAsync(HttpClient http, string url, int first, int count)
    {
        for (var i = first; i < first + count; i++)
        {
            // A connection each, so both workers are likely to serve some.
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"{url}/gen?{Query(i)}"));
            request.Headers.ConnectionClose = true;
            using var response = await http.SendAsync(request);
            Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        }
    }

    private static List<string> Lines(string text) => [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries)];

    private static List<string> WorkerStarts(string text) => [.. WorkerStart().Matches(text).Select(m => m.Value)];

    private static ChildProcess Start(params string[] args) => DramProcess.Start(
        ["--python", PythonFixture.Interpreter, "--chdir", RepoPaths.Apps, "-b", "127.0.0.1:0", .. args, "wsgi_response:app"]);

    private static async Task<string> ListeningUrlAsync(string errorLog)
    {
        var text = await LogFileWait.UntilAsync(errorLog, t => ListeningLine().IsMatch(t));
        return ListeningLine().Match(text).Groups[1].Value.TrimEnd('/');
    }

    private static async Task StopAsync(ChildProcess process)
    {
        var kill = await ChildProcess.RunAsync("kill", ["-TERM", process.Pid.ToString(CultureInfo.InvariantCulture)], CliTestPaths.RepoRoot);
        Assert.Equal(0, kill.ExitCode);
        var result = await process.WaitForExitAsync();
        Assert.True(result.ExitCode == 0, result.ToString());
    }

    [GeneratedRegex(@"\[INFO\] Listening at: (\S+)")]
    private static partial Regex ListeningLine();

    [GeneratedRegex(@"\[\d+\] \[INFO\] Starting dram \S+ \(pid \d+\)")]
    private static partial Regex WorkerStart();

    [GeneratedRegex(@"\[(\d+)\] \[INFO\] Reopened log files$", RegexOptions.Multiline)]
    private static partial Regex WorkerReopened();

    [GeneratedRegex(@"^\[\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} [+-]\d{4}\] \[\d+\] \[[A-Z]+\] ")]
    private static partial Regex LogLine();
}
