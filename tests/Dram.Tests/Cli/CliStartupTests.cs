using System.Net;
using System.Net.Sockets;
using Dram.Tests.Support;

namespace Dram.Tests.Cli;

/// <summary>
/// Start-up as a user meets it: the real dram process with Debian's interpreter. Each failure is
/// one clear line (plus the Python traceback where Python raised), the documented exit code, and
/// no .NET stack trace; a signal stops a running server with exit code 0.
/// </summary>
public sealed class CliStartupTests : IDisposable
{
    private const string Python = "/usr/bin/python3";
    private readonly string _dir = Directory.CreateTempSubdirectory("dram-cli-startup-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Apps => Path.Combine(CliTestPaths.RepoRoot, "tests", "apps");

    /// <summary>
    /// An executable that answers Dram's interpreter probe with <paramref name="answer"/>, standing in
    /// for installations this machine does not have (a CPython built without its shared library,
    /// one too old to embed).
    /// </summary>
    private string FakeInterpreter(string answer)
    {
        var path = Path.Combine(_dir, "python");
        Launcher.LauncherTestSupport.WriteExecutable(path, $"#!/bin/sh\ncat <<'EOF'\n{answer}\nEOF\n");
        return path;
    }

    [Fact]
    public async Task Start_InterpreterWithoutSharedLibrary_Exits2NamingThePackage()
    {
        var python = FakeInterpreter(
            """{"executable": "/opt/static/bin/python3.11", "version": "3.11.2", "major": 3, "minor": 11, "libdir": "/opt/static/lib", "soname": "libpython3.11.so.1.0", "shared": false}""");

        var result = await DramProcess.RunAsync("--python", python, "samples.hello:app");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("dram: error: Python 3.11.2 at /opt/static/bin/python3.11 has no shared library", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("install Debian package libpython3.11", result.Stderr, StringComparison.Ordinal);
        result.AssertNoStackTrace();
    }

    [Fact]
    public async Task Start_InterpreterTooOld_Exits2()
    {
        var python = FakeInterpreter(
            """{"executable": "/opt/old/bin/python3.8", "version": "3.8.18", "major": 3, "minor": 8, "libdir": "/opt/old/lib", "soname": "libpython3.8.so.1.0", "shared": true}""");

        var result = await DramProcess.RunAsync("--python", python, "samples.hello:app");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("Python 3.8.18 at /opt/old/bin/python3.8 is not supported", result.Stderr, StringComparison.Ordinal);
        result.AssertNoStackTrace();
    }

    [Fact]
    public async Task Start_NoSuchInterpreter_Exits2()
    {
        var result = await DramProcess.RunAsync("--python", Path.Combine(_dir, "missing-python"), "samples.hello:app");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("cannot run Python interpreter", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("no such file", result.Stderr, StringComparison.Ordinal);
        result.AssertNoStackTrace();
    }

    [Fact]
    public async Task Start_ImportRaises_Exits3WithPythonTraceback()
    {
        var result = await DramProcess.RunAsync("--python", Python, "--chdir", Apps, "-b", "127.0.0.1:0", "wsgi_import_raises:app");

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("dram: error: cannot load app wsgi_import_raises:app: RuntimeError: dram-test import failure marker", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("Traceback (most recent call last):", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("wsgi_import_raises.py", result.Stderr, StringComparison.Ordinal);
        result.AssertNoStackTrace();
    }

    [Fact]
    public async Task Start_UnknownModule_Exits3WithOneLine()
    {
        var result = await DramProcess.RunAsync("--python", Python, "--chdir", Apps, "-b", "127.0.0.1:0", "no_such_module_here:app");

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("dram: error: cannot load app no_such_module_here:app: no module named 'no_such_module_here'", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Traceback", result.Stderr, StringComparison.Ordinal);
        result.AssertNoStackTrace();
    }

    [Fact]
    public async Task Start_PortInUse_Exits1WithOneLine()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;

        var result = await DramProcess.RunAsync("--python", Python, "--chdir", Apps, "-b", $"127.0.0.1:{port}", "wsgi_echo:app");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"dram: error: cannot listen: address already in use (127.0.0.1:{port})", result.Stderr, StringComparison.Ordinal);
        result.AssertNoStackTrace();
    }

    [Theory]
    [InlineData("TERM")]
    [InlineData("INT")]
    public async Task Serve_Signal_StopsWithExitCode0(string signal)
    {
        using var process = DramProcess.Start("--python", Python, "--chdir", Apps, "-b", "127.0.0.1:0", "wsgi_echo:app");
        var url = await process.WaitForListeningAsync();
        using (var http = new HttpClient())
        {
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri(url + "/ready"))).StatusCode);
        }

        var kill = await ChildProcess.RunAsync("kill", ["-" + signal, process.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture)], CliTestPaths.RepoRoot);
        Assert.Equal(0, kill.ExitCode);

        var result = await process.WaitForExitAsync();
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("[INFO] Shutting down", result.Stderr, StringComparison.Ordinal);
        result.AssertNoStackTrace();
    }
}
