using Dram.Tests.Cli;
using Dram.Tests.Support;

namespace Dram.Tests.Asgi;

/// <summary>
/// The ASGI settings as a user meets them: the real dram process (Debian's interpreter) with
/// --interface, --loop and --lifespan. Each process has its own interpreter and event loop, so
/// --loop asyncio is testable here while the in-process servers all share the first loop chosen.
/// </summary>
public sealed class AsgiCliTests
{
    private const string Python = "/usr/bin/python3";
    private static readonly TimeSpan LineTimeout = TimeSpan.FromSeconds(60);

    private static string Apps => Path.Combine(CliTestPaths.RepoRoot, "tests", "apps");

    /// <summary>
    /// dram.dll from the same build as this test assembly (copied next to it with its runtimeconfig),
    /// else <see cref="CliTestPaths.DramDll"/>, which prefers artifacts/bin/Dram/&lt;config&gt; and so can
    /// pick an older build when the tests were built with another --artifacts-path.
    /// </summary>
    private static string DramDll()
    {
        var beside = Path.Combine(AppContext.BaseDirectory, "dram.dll");
        return File.Exists(beside) && File.Exists(Path.ChangeExtension(beside, ".runtimeconfig.json")) ? beside : CliTestPaths.DramDll();
    }

    /// <summary>Starts dram from the repository root on a free port, without the developer's own DRAM_* variables.</summary>
    private static ChildProcess Start(params string[] args)
    {
        // DOTNET_HOST_PATH is set by the dotnet CLI for the processes it starts, such as the test host.
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        var environment = Environment.GetEnvironmentVariables().Keys.Cast<string>()
            .Where(k => k.StartsWith("DRAM_", StringComparison.OrdinalIgnoreCase))
            .ToDictionary(k => k, string? (_) => null);
        return ChildProcess.Start(
            dotnet, [DramDll(), "--python", Python, "--chdir", Apps, "-b", "127.0.0.1:0", .. args], CliTestPaths.RepoRoot, environment);
    }

    /// <summary>The log line that says what is served ("[INFO] Serving ... app ...").</summary>
    private static Task<string> ServingLineAsync(ChildProcess process) =>
        process.WaitForStderrLineAsync(l => l.Contains("] Serving ", StringComparison.Ordinal), LineTimeout);

    [Fact]
    public async Task InterfaceAsgi_LoopAsyncio_AppRunsOnAsyncioLoop()
    {
        using var process = Start("--interface", "asgi", "--loop", "asyncio", "asgi_echo:app");
        var url = await process.WaitForListeningAsync();
        using var http = new HttpClient { Timeout = LineTimeout };
        var loop = await http.GetStringAsync(new Uri(url + "/loop"));

        // asyncio's own loop class lives in asyncio's modules (asyncio.unix_events on Linux).
        Assert.StartsWith("asyncio.", loop, StringComparison.Ordinal);
        var serving = await ServingLineAsync(process);
        Assert.Contains("ASGI", serving, StringComparison.Ordinal);
        Assert.DoesNotContain("WSGI", serving, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoopDefault_UvloopInstalled_AppRunsOnUvloop()
    {
        using var process = Start("asgi_echo:app");
        var url = await process.WaitForListeningAsync();
        using var http = new HttpClient { Timeout = LineTimeout };

        Assert.StartsWith("uvloop.", await http.GetStringAsync(new Uri(url + "/loop")), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("asgi_echo:app", "ASGI", "WSGI")]
    [InlineData("asgi_detect:instance", "ASGI", "WSGI")]
    [InlineData("wsgi_echo:app", "WSGI", "ASGI")]
    public async Task InterfaceAuto_StartupLineNamesTheProtocolChosen(string app, string named, string notNamed)
    {
        using var process = Start("--interface", "auto", app);
        await process.WaitForListeningAsync();
        var serving = await ServingLineAsync(process);

        Assert.Contains(named, serving, StringComparison.Ordinal);
        Assert.DoesNotContain(notNamed, serving, StringComparison.Ordinal);
        Assert.Contains(app, serving, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LifespanOn_StartupFailed_Exits3WithTheAppsMessage()
    {
        using var process = Start("--lifespan", "on", "asgi_lifespan:failing");
        var result = await process.WaitForExitAsync(LineTimeout);

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("dram-test startup failure marker", result.Stderr, StringComparison.Ordinal);
        result.AssertNoStackTrace();
    }

    [Fact]
    public async Task LifespanOn_AppRaisesOnLifespan_Exits3()
    {
        using var process = Start("--lifespan", "on", "asgi_lifespan:http_only");
        var result = await process.WaitForExitAsync(LineTimeout);

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("AssertionError", result.Stderr, StringComparison.Ordinal);
        result.AssertNoStackTrace();
    }

    [Fact]
    public async Task LifespanAuto_AppRaisesOnLifespan_Serves()
    {
        using var process = Start("asgi_lifespan:http_only");
        var url = await process.WaitForListeningAsync();
        using var http = new HttpClient { Timeout = LineTimeout };

        Assert.Equal("http only", await http.GetStringAsync(new Uri(url + "/")));
    }
}
