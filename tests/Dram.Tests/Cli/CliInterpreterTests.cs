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
        // A real venv from Debian's interpreter, made with --system-site-packages and no packages of
        // its own, plus a .pth file adding a directory. With VIRTUAL_ENV set and no --python, dram
        // must embed the venv's interpreter, which serves a Flask app: Flask comes from Debian's
        // python3-flask, seen through the venv's system site-packages, and the app module and the
        // marker module it imports are found only through the .pth file.
        var venv = Path.Combine(_dir, "venv");
        var made = await ChildProcess.RunAsync("/usr/bin/python3", ["-m", "venv", "--without-pip", "--system-site-packages", venv], _dir);
        Assert.True(made.ExitCode == 0, made.ToString());
        var extra = Directory.CreateDirectory(Path.Combine(_dir, "extra")).FullName;
        var marker = Guid.NewGuid().ToString("N");
        await File.WriteAllTextAsync(Path.Combine(extra, "venv_pth_marker.py"), $"MARKER = '{marker}'\n");
        await File.WriteAllTextAsync(Path.Combine(extra, "venv_flask_app.py"),
            "import sys\n" +
            "import flask\n" +
            "import venv_pth_marker\n" +
            "app = flask.Flask(__name__)\n" +
            "@app.route('/probe')\n" +
            "def probe():\n" +
            "    return flask.jsonify(prefix=sys.prefix, executable=sys.executable, path=sys.path,\n" +
            "                         flask=flask.__file__, marker=venv_pth_marker.MARKER,\n" +
            "                         marker_file=venv_pth_marker.__file__, app_file=__file__)\n");
        var sitePackages = Path.Combine(Directory.GetDirectories(Path.Combine(venv, "lib")).Single(), "site-packages");
        await File.WriteAllTextAsync(Path.Combine(sitePackages, "dram_extra.pth"), extra + "\n");
        Assert.False(Directory.Exists(Path.Combine(sitePackages, "flask")), "the venv must not hold a Flask of its own");

        // Without the venv the marker module is not importable: only the .pth file reaches it.
        var outside = await ChildProcess.RunAsync("/usr/bin/python3", ["-E", "-s", "-c", "import venv_pth_marker"], _dir);
        Assert.True(outside.ExitCode != 0, "venv_pth_marker must not be importable without the venv's .pth file\n" + outside);

        using var process = DramProcess.Start(
            new Dictionary<string, string?> { ["VIRTUAL_ENV"] = venv, ["PYTHONPATH"] = null, ["PYTHONHOME"] = null },
            "-b", "127.0.0.1:0", "venv_flask_app:app");
        var url = await process.WaitForListeningAsync();

        using var http = new HttpClient();
        using var response = await http.GetAsync(new Uri(url + "/probe"));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {body}\n{process.Stderr}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var json = System.Text.Json.JsonDocument.Parse(body);
        var probe = json.RootElement;
        string Get(string name) => probe.GetProperty(name).GetString() ?? "";
        var sysPath = probe.GetProperty("path").EnumerateArray().Select(e => e.GetString()).ToList();

        // The venv's interpreter, with the venv as sys.prefix.
        Assert.Equal(venv, Get("prefix"));
        Assert.Equal($"{venv}/bin/python", Get("executable"));
        Assert.Contains("Using Python 3.", process.Stderr, StringComparison.Ordinal);
        Assert.Contains($"({venv}/bin/python)", process.Stderr, StringComparison.Ordinal);

        // Flask from Debian's dist-packages, reached through the venv's system site-packages.
        Assert.StartsWith("/usr/lib/python3/dist-packages/flask/", Get("flask"), StringComparison.Ordinal);
        Assert.Contains(sitePackages, sysPath);
        Assert.Contains("/usr/lib/python3/dist-packages", sysPath);

        // The app and the marker module from the directory only the .pth file adds.
        Assert.Contains(extra, sysPath);
        Assert.Equal(marker, Get("marker"));
        Assert.Equal(Path.Combine(extra, "venv_pth_marker.py"), Get("marker_file"));
        Assert.Equal(Path.Combine(extra, "venv_flask_app.py"), Get("app_file"));

        // Flask's own routing answers the rest.
        using var missing = await http.GetAsync(new Uri(url + "/no-such-route"));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Contains("Not Found", await missing.Content.ReadAsStringAsync(), StringComparison.Ordinal);
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
