using Dram.Server;
using Dram.Tests.Asgi;
using Dram.Tests.Support;

namespace Dram.Tests.Mounts;

/// <summary>
/// Real frameworks under mount prefixes, one process: Flask (Werkzeug builds url_for and
/// request.url from SCRIPT_NAME) and Starlette 0.26 (routing on path, URLs from root_path + path,
/// lifespan state, a WebSocket route), and the lifespan and load errors of mounted apps.
/// </summary>
[Collection(UsesPython.Name)]
public sealed class MountedAppsTests(PythonFixture python)
{
    private Task<OwnServer> StartAsync(string? app, params (string Prefix, string App)[] mounts) =>
        OwnServer.StartAsync(python, app, options =>
        {
            foreach (var (prefix, mounted) in mounts)
            {
                options.Mounts.Add(new AppMount(prefix, mounted));
            }
        });

    [Fact]
    public async Task FlaskAndStarlette_Mounted_UrlsCarryTheirPrefix()
    {
        await using var server = await StartAsync(
            "mount_echo:wsgi_root", ("/flask", "mount_flask:app"), ("/star/", "mount_starlette:app"));
        var host = new Uri(server.Url).Authority;

        var flask = AppControl.Json(await python.Http.GetStringAsync(new Uri(server.Url + "/flask/")));
        Assert.Equal("/flask", flask.Str("script_root"));
        Assert.Equal("/", flask.Str("path"));
        Assert.Equal("/flask/page/x", flask.Str("page"));
        Assert.Equal($"http://{host}/flask/page/x", flask.Str("external"));
        Assert.Equal($"http://{host}/flask/", flask.Str("url"));
        var flaskPage = AppControl.Json(await python.Http.GetStringAsync(new Uri(server.Url + "/flask/page/y")));
        Assert.Equal("y", flaskPage.Str("page"));
        Assert.Equal("/page/y", flaskPage.Str("path"));

        using var starResponse = await python.Http.GetAsync(new Uri(server.Url + "/star/"));
        Assert.True(starResponse.IsSuccessStatusCode, $"{starResponse.StatusCode} {starResponse.Headers.Location}");
        var star = AppControl.Json(await starResponse.Content.ReadAsStringAsync());
        Assert.Equal("/star", star.Str("root_path"));
        Assert.Equal("/", star.Str("path"));
        Assert.Equal($"http://{host}/star/", star.Str("url"));
        Assert.Equal($"http://{host}/star/page/x", star.Str("page"));
        Assert.Equal("started under a mount", star.Str("greeting"));
        var starPage = AppControl.Json(await python.Http.GetStringAsync(new Uri(server.Url + "/star/page/y")));
        Assert.Equal("y", starPage.Str("page"));
        Assert.Equal($"http://{host}/star/page/y", starPage.Str("url"));

        // The prefix alone is PATH_INFO "" (path ""): each framework redirects to the prefix with a slash.
        using var flaskBare = await python.Http.GetAsync(new Uri(server.Url + "/flask"));
        Assert.Equal(308, (int)flaskBare.StatusCode);
        Assert.Equal($"http://{host}/flask/", flaskBare.Headers.Location?.ToString());
        using var starBare = await python.Http.GetAsync(new Uri(server.Url + "/star"));
        Assert.Equal(307, (int)starBare.StatusCode);
        Assert.Equal($"http://{host}/star/", starBare.Headers.Location?.ToString());

        // A Starlette route below the prefix that Flask also answers nothing for: Starlette's own 404.
        using var missing = await python.Http.GetAsync(new Uri(server.Url + "/star/nope"));
        Assert.Equal(404, (int)missing.StatusCode);
        Assert.Equal("Not Found", await missing.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Starlette_Mounted_WebSocketRoute()
    {
        await using var server = await StartAsync("mount_echo:wsgi_root", ("/star", "mount_starlette:app"));

        using var socket = await WebSocketWire.ConnectAsync(server.Url, "/star/ws");
        await socket.SendTextAsync("hello");

        Assert.Equal("hello at /star", await socket.ReceiveTextAsync());
    }

    [Fact]
    public async Task Drain_WebSocketOnMountedAsgiApp_ClosedWith1012()
    {
        await using var server = await StartAsync("mount_echo:wsgi_root", ("/ws", "asgi_ws:app"));
        var id = AppControl.NewId();
        using var socket = await WebSocketWire.ConnectAsync(server.Url, $"/ws/wait-disconnect?id={id}");

        using var graceful = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var draining = server.Server.DrainAsync(graceful.Token);
        var (type, _) = await socket.ReceiveAsync();
        Assert.Equal(System.Net.WebSockets.WebSocketMessageType.Close, type);
        Assert.Equal(1012, (int)socket.CloseStatus!);
        await socket.CloseOutputAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
        await draining.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.False(graceful.IsCancellationRequested);
    }

    [Fact]
    public async Task Lifespan_MountedAsgiApp_StartupBeforeServing_ShutdownAtStop()
    {
        string events;
        await using (var server = await StartAsync("mount_echo:wsgi_root", ("/life", "mount_echo:asgi_lifespan")))
        {
            var json = AppControl.Json(await python.Http.GetStringAsync(new Uri(server.Url + "/life/")));
            Assert.Equal("/life", json.Str("root_path"));
            events = json.Str("events")!;
            Assert.Equal(["startup"], await File.ReadAllLinesAsync(events));
        }

        try
        {
            Assert.Equal(["startup", "shutdown"], await File.ReadAllLinesAsync(events));
        }
        finally
        {
            File.Delete(events);
        }
    }

    [Fact]
    public async Task Lifespan_MountedStartupFails_ServerDoesNotStart_ErrorNamesTheMount()
    {
        var e = await Assert.ThrowsAsync<DramStartupException>(() =>
            StartAsync("mount_echo:wsgi_root", ("/ok", "mount_echo:asgi_a"), ("/bad", "mount_echo:asgi_failing")));

        Assert.Equal(ExitCodes.AppLoad, e.ExitCode);
        Assert.Equal("ASGI lifespan startup failed: dram-test mounted startup failure (--mount /bad)", e.Message);
    }

    [Fact]
    public async Task LoadError_ErrorNamesTheAppAndTheMount()
    {
        var e = await Assert.ThrowsAsync<DramStartupException>(() =>
            StartAsync("mount_echo:wsgi_root", ("/x", "no_such_module_for_mounts:app")));

        Assert.Equal(ExitCodes.AppLoad, e.ExitCode);
        Assert.StartsWith("cannot load app no_such_module_for_mounts:app: ", e.Message, StringComparison.Ordinal);
        Assert.EndsWith("(--mount /x)", e.Message, StringComparison.Ordinal);
    }
}
