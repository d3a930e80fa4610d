using Dram.Server;
using Dram.Tests.Support;

namespace Dram.Tests.Asgi;

/// <summary>
/// Which protocol the server speaks to the app (<see cref="DramServerOptions.Interface"/>, tests/apps/
/// asgi_detect.py). ASGI "Applications": an ASGI 3 app is a callable that, called with scope,
/// receive and send, returns an awaitable; Auto recognises a coroutine function and an object whose
/// __call__ is one. The explicit choices are for apps detection cannot tell, such as one plain
/// __call__ that speaks both protocols.
/// </summary>
[Collection(UsesPython.Name)]
[Trait("Interpreters", "all")]
public sealed class AsgiInterfaceTests(PythonFixture python)
{
    private async Task<string> ServeOnceAsync(string? app, AppInterface mode, string path = "/")
    {
        await using var server = await OwnServer.StartAsync(python, app, o => o.Interface = mode);
        return await python.Http.GetStringAsync(new Uri(server.Url + path));
    }

    [Fact]
    public async Task Auto_AsyncDefFunction_ServedAsAsgi()
    {
        var echo = AppControl.Json(await python.Http.GetStringAsync(new Uri(await python.UrlAsync("asgi_echo:app") + "/detect")));

        Assert.Equal("http", echo.GetProperty("scope").Str("type"));
        Assert.Equal("3.0", echo.GetProperty("scope").GetProperty("asgi").Str("version"));
    }

    [Fact]
    public async Task Auto_InstanceWithAsyncCall_ServedAsAsgi()
    {
        Assert.Equal("asgi instance", await ServeOnceAsync("asgi_detect:instance", AppInterface.Auto));
    }

    [Fact]
    public async Task Auto_PlainCallable_ServedAsWsgi()
    {
        // The hybrid's __call__ is not a coroutine function: auto detection must not guess ASGI.
        Assert.Equal("wsgi", await ServeOnceAsync("asgi_detect:hybrid", AppInterface.Auto));
    }

    [Fact]
    public async Task Explicit_Asgi_HybridServedAsAsgi()
    {
        Assert.Equal("asgi", await ServeOnceAsync("asgi_detect:hybrid", AppInterface.Asgi));
    }

    [Fact]
    public async Task Explicit_Asgi_NoApp_TheWelcomePageStillServed()
    {
        // The built-in welcome app is WSGI: --interface asgi without an app must not call it as ASGI.
        var page = await ServeOnceAsync(null, AppInterface.Asgi);
        Assert.Contains("<h1>Dram is running</h1>", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Explicit_Wsgi_HybridServedAsWsgi()
    {
        Assert.Equal("wsgi", await ServeOnceAsync("asgi_detect:hybrid", AppInterface.Wsgi));
    }

    [Fact]
    public async Task Auto_WsgiAppNextToAsgiApps_StillWsgi()
    {
        // One process, one interpreter: a WSGI server keeps working while ASGI servers run.
        _ = await python.UrlAsync("asgi_echo:app");
        var url = await python.UrlAsync("wsgi_echo:app");
        var environ = AppControl.EchoEnviron(await python.Http.GetStringAsync(new Uri(url + "/wsgi")));

        Assert.Equal("/wsgi", environ.Str("PATH_INFO"));
    }
}
