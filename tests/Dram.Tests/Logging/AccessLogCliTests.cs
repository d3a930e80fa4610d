using System.Text.RegularExpressions;
using Dram.Tests.Cli;
using Dram.Tests.Support;

namespace Dram.Tests.Logging;

/// <summary>--access-log through the real dram command: supervisor, worker, standard output.</summary>
public sealed class AccessLogCliTests
{
    [Fact]
    public async Task AccessLogDash_LinesOnStdoutOfTheDramProcess()
    {
        // The default: a supervisor and one worker, which gets --access-log with the user's arguments.
        using var process = DramProcess.Start(
            "--python", PythonFixture.Interpreter, "--chdir", RepoPaths.Apps, "-b", "127.0.0.1:0",
            "--access-log", "-", "wsgi_response:app");
        var url = (await process.WaitForListeningAsync()).TrimEnd('/');

        using var http = new HttpClient();
        using (var response = await http.GetAsync(new Uri($"{url}/gen?n=2&size=5")))
        {
            await response.Content.ReadAsByteArrayAsync();
        }

        var line = await process.WaitForStdoutLineAsync(l => l.Contains("/gen?n=2&size=5", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
        Assert.Matches(@"^127\.0\.0\.1 - - \[[^\]]+\] ""GET /gen\?n=2&size=5 HTTP/1\.1"" 200 10 ""-"" ""-""$", line);
        Assert.DoesNotContain("/gen", process.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownAtom_Exit2WithOneLineNamingIt()
    {
        var result = await DramProcess.RunAsync("--access-log", "-", "--access-log-format", "%(h)s %(zz)s", "wsgi_response:app");

        Assert.Equal(2, result.ExitCode);
        Assert.Empty(result.Stdout);
        var first = result.Stderr.Split('\n')[0];
        Assert.Matches(new Regex(@"^dram: error: invalid --access-log-format '%\(h\)s %\(zz\)s': unknown atom %\(zz\)s"), first);
        Assert.DoesNotContain("   at ", result.Stderr, StringComparison.Ordinal);
    }
}
