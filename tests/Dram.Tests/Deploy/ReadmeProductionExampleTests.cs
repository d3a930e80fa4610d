using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Dram.Tests.Cli;
using Dram.Tests.Support;
using Dram.Tests.Supervision;

namespace Dram.Tests.Deploy;

/// <summary>
/// The README's production config file, taken from the README itself with its paths moved into a
/// temporary directory and its apps replaced by the deploy tests' own: <c>--check-config</c>
/// accepts it, and the real dram started with it (as root, workers as www-data) serves the app,
/// the mounted ASGI app, the static files and the metrics, and writes both logs.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed partial class ReadmeProductionExampleTests : IDisposable
{
    private readonly string _dir;

    public ReadmeProductionExampleTests()
    {
        // 0755 throughout: the workers run as www-data and must read the apps and the media.
        _dir = Directory.CreateTempSubdirectory("dram-readme-").FullName;
        File.SetUnixFileMode(_dir, (UnixFileMode)0x1ED);
        foreach (var sub in new[] { "media", "run", "log" })
        {
            File.SetUnixFileMode(Directory.CreateDirectory(Path.Combine(_dir, sub)).FullName, (UnixFileMode)0x1ED);
        }

        foreach (var app in new[] { "deploy_app.py", "deploy_ws.py" })
        {
            File.Copy(Path.Combine(CliTestPaths.RepoRoot, "tests", "apps", app), Path.Combine(_dir, app));
        }

        File.WriteAllText(Path.Combine(_dir, "media", "logo.txt"), "a logo");
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task ProductionConfig_PassesCheckConfig()
    {
        var result = await DramProcess.RunAsync("--config", await WriteConfigAsync(), "--check-config");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("configuration OK", result.Stdout + result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProductionConfig_Serves()
    {
        Assert.True(Environment.UserName == "root", "this test needs root, as CI has: the config switches the workers to www-data");
        using var dram = DramProcess.Start("--python", Supervised.Python, "--chdir", _dir, "--config", await WriteConfigAsync());
        var errorLog = Path.Combine(_dir, "log", "error.log");
        var started = await LogFileWait.UntilAsync(errorLog, t => t.Contains("Listening at: unix:", StringComparison.Ordinal) && t.Contains("Metrics at: ", StringComparison.Ordinal), dram);

        using var http = BindTests.UnixClient(Path.Combine(_dir, "run", "dram.sock"));
        var app = JsonDocument.Parse(await http.GetStringAsync(new Uri("http://localhost/hello"))).RootElement;
        Assert.Equal("/hello", app.GetProperty("path").GetString());
        var api = JsonDocument.Parse(await http.GetStringAsync(new Uri("http://localhost/api/items"))).RootElement;
        Assert.Equal("/api", api.GetProperty("root_path").GetString());
        Assert.Equal("/items", api.GetProperty("path").GetString());
        Assert.Equal("a logo", await http.GetStringAsync(new Uri("http://localhost/media/logo.txt")));
        using (var missing = await http.GetAsync(new Uri("http://localhost/media/none.txt")))
        {
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        }

        using var scraper = new HttpClient();
        var metrics = await scraper.GetStringAsync(new Uri(MetricsAt().Match(started).Groups[1].Value));
        Assert.Contains("dram_requests_total{status=\"200\"} 3", metrics, StringComparison.Ordinal);
        Assert.Contains("dram_workers 4", metrics, StringComparison.Ordinal);

        var access = await LogFileWait.UntilAsync(Path.Combine(_dir, "log", "access.log"), t => t.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length == 4, dram);
        Assert.Contains("\"GET /media/none.txt HTTP/1.1\" 404", access, StringComparison.Ordinal);
        Assert.Equal(dram.Pid.ToString(CultureInfo.InvariantCulture), (await File.ReadAllTextAsync(Path.Combine(_dir, "run", "dram.pid"))).Trim());

        var kill = await ChildProcess.RunAsync("kill", ["-TERM", dram.Pid.ToString(CultureInfo.InvariantCulture)], CliTestPaths.RepoRoot);
        Assert.True(kill.ExitCode == 0, kill.ToString());
        var result = await dram.WaitForExitAsync();
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.False(File.Exists(Path.Combine(_dir, "run", "dram.sock")), "the socket outlived dram");
        Assert.False(File.Exists(Path.Combine(_dir, "run", "dram.pid")), "the pid file outlived dram");
    }

    /// <summary>The README's ```jsonc block with its paths in the temporary directory and the test apps in place of the examples.</summary>
    private async Task<string> WriteConfigAsync()
    {
        var readme = await File.ReadAllTextAsync(Path.Combine(CliTestPaths.RepoRoot, "README.md"));
        var example = ConfigBlock().Match(readme);
        Assert.True(example.Success, "README.md has no ```jsonc block under 'In production'");
        var config = example.Groups[1].Value
            .Replace("myproject.wsgi:application", "deploy_app:app", StringComparison.Ordinal)
            .Replace("myproject.api:app", "deploy_ws:app", StringComparison.Ordinal)
            .Replace("/srv/site/media", Path.Combine(_dir, "media"), StringComparison.Ordinal)
            .Replace("/run/dram", Path.Combine(_dir, "run"), StringComparison.Ordinal)
            .Replace("/var/log/dram", Path.Combine(_dir, "log"), StringComparison.Ordinal)
            .Replace("127.0.0.1:9100", "127.0.0.1:0", StringComparison.Ordinal); // a free port
        var path = Path.Combine(_dir, "site.json");
        await File.WriteAllTextAsync(path, config);
        return path;
    }

    [GeneratedRegex(@"```jsonc\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex ConfigBlock();

    [GeneratedRegex(@"Metrics at: (\S+)")]
    private static partial Regex MetricsAt();
}
