namespace Dram.Tests.Cli;

/// <summary>Runs the built dram.dll as a real process, to check exit codes and that no stack trace reaches the user.</summary>
public class CliProcessTests
{
    [Fact]
    public async Task Dram_Version_PrintsVersionAndExits0()
    {
        var (code, stdout, stderr) = await RunDramAsync("--version");

        Assert.Equal(0, code);
        Assert.Equal("dram 0.1.0", stdout.Trim());
        Assert.Empty(stderr);
    }

    [Fact]
    public async Task Dram_Help_PrintsUsageAndExits0()
    {
        var (code, stdout, stderr) = await RunDramAsync("--help");

        Assert.Equal(0, code);
        Assert.StartsWith("usage: dram", stdout, StringComparison.Ordinal);
        Assert.Contains("DRAM_BIND", stdout, StringComparison.Ordinal);
        Assert.Empty(stderr);
    }

    [Fact]
    public async Task Dram_UnknownOption_PrintsOneErrorLineAndExits2()
    {
        var (code, stdout, stderr) = await RunDramAsync("--no-such-option");

        Assert.Equal(2, code);
        Assert.Empty(stdout);
        Assert.Equal(["dram: error: unrecognized option '--no-such-option'", "Try 'dram --help'."], stderr.Trim().Split('\n').Select(l => l.TrimEnd('\r')));
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dram_BadOptionValue_Exits2WithoutStackTrace()
    {
        var (code, _, stderr) = await RunDramAsync("--threads", "x");

        Assert.Equal(2, code);
        Assert.StartsWith("dram: error: invalid --threads 'x'", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dram_ConfigFile_ServesWithItsWorkersAndBind()
    {
        var dir = Directory.CreateTempSubdirectory("dram-config-process-").FullName;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(dir, "config_app.py"), """
                import os
                def app(environ, start_response):
                    body = ("pid=%d multiprocess=%s" % (os.getpid(), environ["wsgi.multiprocess"])).encode()
                    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
                    return [body]
                """);
            var config = Path.Combine(dir, "dram.json");
            await File.WriteAllTextAsync(config, $$"""
                // Everything from the file: the workers re-read it.
                {
                  "python": "/usr/bin/python3",
                  "chdir": {{System.Text.Json.JsonSerializer.Serialize(dir)}},
                  "bind": ["127.0.0.1:0"],
                  "workers": 2,
                  "app": "config_app:app",
                }
                """);

            using var process = DramProcess.Start("--config", config);
            var url = await process.WaitForListeningAsync();
            await process.WaitForStderrLineAsync(l => l.Contains("(2 of 2 workers serving)", StringComparison.Ordinal), TimeSpan.FromSeconds(60));
            using var http = new HttpClient();
            var body = await http.GetStringAsync(new Uri(url + "/"));

            Assert.StartsWith("http://127.0.0.1:", url, StringComparison.Ordinal);
            Assert.Contains("multiprocess=True", body, StringComparison.Ordinal);
            Assert.Equal(2, System.Text.RegularExpressions.Regex.Count(process.Stderr, "Booting worker with pid"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Dram_PrintConfig_RoundTripsThroughConfig()
    {
        var dir = Directory.CreateTempSubdirectory("dram-print-config-").FullName;
        try
        {
            var config = Path.Combine(dir, "first.json");
            await File.WriteAllTextAsync(config, """{ "workers": 3, "bind": ["127.0.0.1:1", "unix:/tmp/x.sock"], "access-log-format": "%(h)s \"%(r)s\"" }""");

            var first = await DramProcess.RunAsync("--config", config, "--threads", "6", "--factory", "--print-config", "pkg.mod:app");
            Assert.Equal(0, first.ExitCode);
            Assert.Empty(first.Stderr);
            Assert.Contains("  // cli\n  \"threads\": 6,", first.Stdout.ReplaceLineEndings("\n"), StringComparison.Ordinal);
            Assert.Contains($"  // file {config}\n  \"workers\": 3,", first.Stdout.ReplaceLineEndings("\n"), StringComparison.Ordinal);

            var printed = Path.Combine(dir, "printed.json");
            await File.WriteAllTextAsync(printed, first.Stdout);
            var second = await DramProcess.RunAsync("--config", printed, "--print-config");

            Assert.Equal(0, second.ExitCode);
            Assert.Equal(Settings(first.Stdout), Settings(second.Stdout));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }

        // The setting lines, without the comments naming their sources (which differ by design).
        static List<string> Settings(string output) =>
            [.. output.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith('"'))];
    }

    [Fact]
    public async Task Dram_CheckConfig_ValidPrintsOkAndExits0()
    {
        var result = await DramProcess.RunAsync("--check-config", "-w", "2", "pkg.mod:app");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("configuration OK", result.Stdout.Trim());
        Assert.Empty(result.Stderr);
    }

    [Fact]
    public async Task Dram_CheckConfig_EveryErrorOnItsOwnLineAndExits2()
    {
        var config = Path.Combine(Path.GetTempPath(), $"dram-check-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(config, """{ "workers": 0, "wrokers": 2, "bind": "nohost" }""");
        try
        {
            var result = await DramProcess.RunAsync("--check-config", "--config", config, "--threads", "x", "my-app:app");

            Assert.Equal(2, result.ExitCode);
            Assert.Empty(result.Stdout);
            var lines = result.Stderr.Trim().Split('\n').Select(l => l.TrimEnd('\r')).ToList();
            Assert.Equal(6, lines.Count);
            Assert.All(lines[..^1], l => Assert.StartsWith("dram: error: ", l, StringComparison.Ordinal));
            Assert.Contains(lines, l => l.Contains("unknown setting 'wrokers' (did you mean 'workers'?)", StringComparison.Ordinal));
            Assert.Contains(lines, l => l.StartsWith("dram: error: invalid workers '0' in config file", StringComparison.Ordinal));
            Assert.Contains(lines, l => l.StartsWith("dram: error: invalid bind 'nohost' in config file", StringComparison.Ordinal));
            Assert.Contains(lines, l => l.StartsWith("dram: error: invalid --threads 'x'", StringComparison.Ordinal));
            Assert.Contains(lines, l => l.StartsWith("dram: error: invalid APP 'my-app:app'", StringComparison.Ordinal));
            Assert.Equal("Try 'dram --help'.", lines[^1]);
            Assert.DoesNotContain("   at ", result.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(config);
        }
    }

    private static async Task<(int Code, string Stdout, string Stderr)> RunDramAsync(params string[] args)
    {
        var result = await DramProcess.RunAsync(args);
        return (result.ExitCode, result.Stdout, result.Stderr);
    }
}
