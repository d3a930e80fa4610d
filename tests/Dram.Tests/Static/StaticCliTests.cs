using System.Globalization;
using System.Net;
using Dram.Tests.Cli;
using Dram.Tests.Support;

namespace Dram.Tests.StaticFiles;

/// <summary>
/// --static from the real dram command: bad values are reported before Python starts, all at once
/// with any other misconfiguration, one line each, exit code 2; DRAM_STATIC with a relative DIR is
/// resolved against the directory dram starts in (not --chdir) and served by a supervised worker.
/// </summary>
public sealed class StaticCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dram-static-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Apps => Path.Combine(CliTestPaths.RepoRoot, "tests", "apps");

    [Fact]
    public async Task BadStatics_AllReportedAtOnceOneLineEach_Exit2()
    {
        var one = Directory.CreateDirectory(Path.Combine(_dir, "one")).FullName;
        var two = Directory.CreateDirectory(Path.Combine(_dir, "two")).FullName;

        var result = await DramProcess.RunAsync(
            "--static", "assets=" + one,
            "--static", "/missing=/definitely/not/here/dram",
            "--static", "/b=" + one,
            "--static", "/b/=" + two,
            "--static", "/no-equals-sign",
            "--static", "/a/../b=" + one,
            "--threads", "0",
            "samples.hello:app");

        Assert.Equal(2, result.ExitCode);
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(6, lines.Count(line => line.StartsWith("dram: error: invalid ", StringComparison.Ordinal)));
        Assert.Equal(["Try 'dram --help'."], lines.Where(line => !line.StartsWith("dram: error: ", StringComparison.Ordinal)));
        Assert.Contains($"invalid --static 'assets={one}': the prefix must start with '/'", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("invalid --static '/missing=/definitely/not/here/dram': no such directory /definitely/not/here/dram", result.Stderr, StringComparison.Ordinal);
        Assert.Contains($"invalid --static '/b/={two}': prefix /b is already served from {one}", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("invalid --static '/no-equals-sign': expected /prefix=DIR", result.Stderr, StringComparison.Ordinal);
        Assert.Contains($"invalid --static '/a/../b={one}': the prefix must not contain", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("invalid --threads '0'", result.Stderr, StringComparison.Ordinal);
        result.AssertNoStackTrace();
    }

    [Fact]
    public async Task EnvironmentVariable_RelativeDirFromTheStartingDirectory_ServedByAWorker()
    {
        // dram starts in the repository root; --chdir moves the worker elsewhere afterwards.
        var environment = new Dictionary<string, string?> { ["DRAM_STATIC"] = "/files=tests/apps,/samples=samples" };
        using var process = DramProcess.Start(environment, "--python", "/usr/bin/python3", "--chdir", _dir, "--pythonpath", Apps, "-b", "127.0.0.1:0", "static_counter:app");
        var url = await process.WaitForListeningAsync();

        using (var http = new HttpClient())
        {
            Assert.Equal(await File.ReadAllTextAsync(Path.Combine(Apps, "static_counter.py")), await http.GetStringAsync(new Uri(url + "/files/static_counter.py")));
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(new Uri(url + "/samples/"))).StatusCode);
            Assert.StartsWith("app /count calls=1", await http.GetStringAsync(new Uri(url + "/count")), StringComparison.Ordinal);
        }

        var kill = await ChildProcess.RunAsync("kill", ["-TERM", process.Pid.ToString(CultureInfo.InvariantCulture)], CliTestPaths.RepoRoot);
        Assert.Equal(0, kill.ExitCode);
        var result = await process.WaitForExitAsync();
        Assert.Equal(0, result.ExitCode);
        result.AssertNoStackTrace();
    }
}
