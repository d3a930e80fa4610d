using System.Net;
using Dram.Tests.Support;

namespace Dram.Tests.Cli;

/// <summary>
/// Which interpreter dram embeds when --python is not given: $VIRTUAL_ENV/bin/python when a
/// virtualenv is active, else python3 on PATH, each asked where it lives rather than guessed from
/// the command's path (python3 on PATH may be a pyenv shim script). Also the welcome app served
/// when no APP is given.
/// </summary>
public sealed class CliInterpreterTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dram-cli-interpreter-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Apps => Path.Combine(CliTestPaths.RepoRoot, "tests", "apps");

    [Fact]
    public async Task Start_VirtualEnvSet_EmbedsTheVenvInterpreterWithItsPackages()
    {
        // A real venv from Debian's interpreter, with a .pth file adding a directory: the app must
        // import a module found only through that .pth, and see the venv as sys.prefix.
        var venv = Path.Combine(_dir, "venv");
        var made = await ChildProcess.RunAsync("/usr/bin/python3", ["-m", "venv", "--without-pip", "--system-site-packages", venv], _dir);
        Assert.True(made.ExitCode == 0, made.ToString());
        var extra = Directory.CreateDirectory(Path.Combine(_dir, "extra")).FullName;
        await File.WriteAllTextAsync(Path.Combine(extra, "venv_probe_app.py"),
            "import sys\n" +
            "def app(environ, start_response):\n" +
            "    start_response('200 OK', [('Content-Type', 'text/plain')])\n" +
            "    return [('%s|%s' % (sys.prefix, sys.executable)).encode()]\n");
        var sitePackages = Directory.GetDirectories(Path.Combine(venv, "lib")).Single();
        await File.WriteAllTextAsync(Path.Combine(sitePackages, "site-packages", "dram_extra.pth"), extra + "\n");

        using var process = DramProcess.Start(
            new Dictionary<string, string?> { ["VIRTUAL_ENV"] = venv },
            "-b", "127.0.0.1:0", "venv_probe_app:app");
        var url = await process.WaitForListeningAsync();

        using var http = new HttpClient();
        var body = await http.GetStringAsync(new Uri(url));
        Assert.Equal($"{venv}|{venv}/bin/python", body);
        Assert.Contains("Using Python 3.", process.Stderr, StringComparison.Ordinal);
        Assert.Contains($"({venv}/bin/python)", process.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_NoVirtualEnv_EmbedsPython3FromPathAsItReportsItself()
    {
        // Whatever python3 is first on PATH (here a pyenv shim script), dram must embed the
        // interpreter that command really runs: the one it names as sys.executable.
        var asked = await ChildProcess.RunAsync("python3", ["-c", "import sys; print(sys.executable)"], _dir);
        Assert.True(asked.ExitCode == 0, asked.ToString());
        var executable = asked.Stdout.Trim();

        using var process = DramProcess.Start(
            new Dictionary<string, string?> { ["VIRTUAL_ENV"] = null },
            "--chdir", Apps, "-b", "127.0.0.1:0", "wsgi_echo:app");
        await process.WaitForListeningAsync();

        Assert.Contains($"({executable})", process.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_NoApp_ServesTheWelcomePage()
    {
        using var process = DramProcess.Start("--python", "/usr/bin/python3", "-b", "127.0.0.1:0");
        var url = await process.WaitForListeningAsync();

        using var http = new HttpClient();
        using var response = await http.GetAsync(new Uri(url));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Dram is running", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains("Serving WSGI app built-in welcome app", process.Stderr, StringComparison.Ordinal);
    }
}
