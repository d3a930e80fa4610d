using System.Text.Json;
using Dram.Server;
using Dram.Tests.Support;

namespace Dram.Tests.Asgi;

/// <summary>
/// The ASGI "Lifespan Protocol" (https://asgi.readthedocs.io/en/latest/specs/lifespan.html) with
/// tests/apps/asgi_lifespan.py: startup before the first request, shutdown when the server stops,
/// lifespan state copied into each request's scope (spec 2.4 "Lifespan State"), startup.failed and
/// apps without lifespan support under each <see cref="LifespanMode"/>.
/// </summary>
[Collection(UsesPython.Name)]
[Trait("Interpreters", "all")]
public sealed class AsgiLifespanTests(PythonFixture python)
{
    private const string FailMessage = "dram-test startup failure marker";

    private async Task<JsonElement> StateAsync(string url, string query = "") =>
        AppControl.Json(await python.Http.GetStringAsync(new Uri($"{url}/state{query}")));

    private static async Task<List<string>> EventsAsync(string path) =>
        [.. (await File.ReadAllLinesAsync(path)).Where(l => l.Length > 0)];

    [Theory]
    [InlineData(LifespanMode.Auto)]
    [InlineData(LifespanMode.On)]
    public async Task Lifespan_StartupBeforeFirstRequest_ShutdownWhenStopped(LifespanMode mode)
    {
        var server = await OwnServer.StartAsync(python, "asgi_lifespan:app", o => o.Lifespan = mode);
        string events;
        try
        {
            // The very first request: startup (which takes 0.3 s) must have completed before it.
            var state = await StateAsync(server.Url);
            Assert.True(state.GetProperty("startup_done").GetBoolean(), $"served before lifespan.startup.complete: {state}");
            Assert.False(string.IsNullOrEmpty(state.Str("session")), $"no session in the request's state: {state}");
            events = state.Str("events")!;
            Assert.Equal(["startup"], await EventsAsync(events));
        }
        finally
        {
            await server.DisposeAsync();
        }

        // The server waits for lifespan.shutdown.complete before StopAsync returns.
        try
        {
            Assert.Equal(["startup", "shutdown"], await EventsAsync(events));
        }
        finally
        {
            File.Delete(events);
        }
    }

    [Fact]
    public async Task LifespanState_EachRequestGetsAShallowCopy()
    {
        // "state": a copy of the dict the app filled at startup, per request: keys a request adds
        // or rebinds stay in that request, while objects put there at startup are shared.
        await using var server = await OwnServer.StartAsync(python, "asgi_lifespan:app", _ => { });
        var first = await StateAsync(server.Url, "?add=one");
        var second = await StateAsync(server.Url, "?add=two");
        var third = await StateAsync(server.Url);
        if (first.Str("events") is { } events)
        {
            File.Delete(events);
        }

        Assert.Equal(["counter", "session", "shared"], first.GetProperty("keys").Strings());
        Assert.Empty(first.GetProperty("shared").Strings());
        Assert.Equal(0, first.GetProperty("counter").GetInt32());

        Assert.Equal(["counter", "session", "shared"], second.GetProperty("keys").Strings());
        Assert.Equal(["one"], second.GetProperty("shared").Strings());
        Assert.Equal(0, second.GetProperty("counter").GetInt32());

        Assert.Equal(["one", "two"], third.GetProperty("shared").Strings());
        Assert.Equal(first.Str("session"), third.Str("session"));
    }

    [Theory]
    [InlineData(LifespanMode.Auto)]
    [InlineData(LifespanMode.On)]
    public async Task StartupFailed_StartAsyncThrowsExitCode3WithTheAppsMessage(LifespanMode mode)
    {
        // lifespan.startup.failed: "the server should log/print the message ... and then exit".
        var options = python.CreateOptions("asgi_lifespan:failing");
        options.Lifespan = mode;
        var error = await StartupFailure.ExpectAsync(options);

        Assert.Equal(ExitCodes.AppLoad, error.ExitCode);
        Assert.Contains(FailMessage, error.Message + error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AppRaisesOnLifespanScope_Auto_ServedAnyway()
    {
        // "If an exception is raised when calling the application callable with a lifespan.startup
        // message or a scope with type lifespan, the server must continue but not send any lifespan
        // events." A common case: the app asserts scope["type"] == "http".
        await using var server = await OwnServer.StartAsync(python, "asgi_lifespan:http_only", o => o.Lifespan = LifespanMode.Auto);

        Assert.Equal("http only", await python.Http.GetStringAsync(new Uri(server.Url + "/")));
        Assert.Equal("http only", await python.Http.GetStringAsync(new Uri(server.Url + "/again")));
    }

    [Fact]
    public async Task AppRaisesOnLifespanScope_On_StartupFailsExitCode3()
    {
        var options = python.CreateOptions("asgi_lifespan:http_only");
        options.Lifespan = LifespanMode.On;
        var error = await StartupFailure.ExpectAsync(options);

        Assert.Equal(ExitCodes.AppLoad, error.ExitCode);
    }

    [Fact]
    public async Task LifespanOff_AppNeverSeesALifespanScope()
    {
        // Two servers in turn, so a shutdown of the first would be seen by the second's request.
        await using (var first = await OwnServer.StartAsync(python, "asgi_lifespan:off_probe", o => o.Lifespan = LifespanMode.Off))
        {
            var seen = AppControl.Json(await python.Http.GetStringAsync(new Uri(first.Url + "/seen"))).Strings();
            Assert.Equal("http", seen[^1]);
            Assert.DoesNotContain("lifespan", seen);
        }

        await using var second = await OwnServer.StartAsync(python, "asgi_lifespan:off_probe", o => o.Lifespan = LifespanMode.Off);
        var after = AppControl.Json(await python.Http.GetStringAsync(new Uri(second.Url + "/seen"))).Strings();
        Assert.True(after.Count >= 2, $"seen: {string.Join(", ", after)}");
        Assert.All(after, type => Assert.Equal("http", type));
    }

    [Fact]
    public async Task LifespanAuto_ProbeApp_SeesLifespanScopeBeforeHttp()
    {
        // A probe like the Off test's, under Auto: the lifespan scope comes first.
        await using var server = await OwnServer.StartAsync(python, "asgi_lifespan:auto_probe", o => o.Lifespan = LifespanMode.Auto);
        var seen = AppControl.Json(await python.Http.GetStringAsync(new Uri(server.Url + "/seen"))).Strings();

        Assert.Equal(["lifespan", "http"], seen);
    }
}
