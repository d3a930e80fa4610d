using System.Net;
using Dram.Tests.Support;

namespace Dram.Tests.StaticFiles;

/// <summary>
/// --static in front of an ASGI app: the same files, the app's task never created for a static
/// path, and a WebSocket upgrade aimed at a static prefix answered as a plain GET (no crash, the
/// server keeps serving both the files and the app).
/// </summary>
[Collection(UsesPython.Name)]
public sealed class StaticAsgiTests(PythonFixture python) : IDisposable
{
    private readonly StaticSite _site = new();

    public void Dispose() => _site.Dispose();

    [Fact]
    public async Task AsgiApp_StaticPathsNeverReachTheApp()
    {
        await using var server = await _site.StartAsync(python, "static_counter:asgi_app");
        var before = await StaticRequests.AppCallsAsync(python.Http, server.Url);

        var plain = await python.Http.GetStringAsync(server.Url + "/static/plain.txt");
        using var missing = await python.Http.GetAsync(server.Url + "/static/missing");
        using var post = await python.Http.PostAsync(server.Url + "/static/plain.txt", new StringContent("x"));
        var after = await StaticRequests.AppCallsAsync(python.Http, server.Url);

        Assert.Equal("plain text", plain);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);
        Assert.Equal(before + 1, after);
        Assert.StartsWith("app /elsewhere calls=", await python.Http.GetStringAsync(server.Url + "/elsewhere"));
    }

    [Theory]
    [InlineData("/static/plain.txt", 200)]
    [InlineData("/static/missing", 404)]
    public async Task WebSocketUpgrade_ToAStaticPrefix_AnsweredAsAPlainGet(string target, int status)
    {
        await using var server = await _site.StartAsync(python, "static_counter:asgi_app");
        var before = await StaticRequests.AppCallsAsync(python.Http, server.Url);

        var response = await StaticRequests.RawAsync(
            server.Url,
            target,
            "GET",
            "Upgrade: websocket",
            "Connection: Upgrade",
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
            "Sec-WebSocket-Version: 13");

        Assert.Equal(status, response.StatusCode);
        Assert.Null(response.Header("Upgrade"));
        Assert.Equal(before + 1, await StaticRequests.AppCallsAsync(python.Http, server.Url));
        Assert.Equal("plain text", await python.Http.GetStringAsync(server.Url + "/static/plain.txt"));
    }
}
