using System.Text;
using Dram.Tests.Support;

namespace Dram.Tests.Asgi;

/// <summary>
/// A Starlette app (tests/apps/real/starlette_app.py; Debian's Starlette 0.26): routing with typed
/// path parameters, JSON, a request body, a streamed response, a background task that runs after
/// the response, and lifespan state (Starlette's lifespan context yields the state; requests see
/// it as request.state). Debian's uvicorn 0.17 and hypercorn 0.13 predate lifespan state (Starlette
/// refuses to start under them), so the answers are checked against exact expectations.
/// </summary>
[Collection(UsesPython.Name)]
public sealed class StarletteAppTests(PythonFixture python)
{
    private const string App = "real.starlette_app:app";

    private async Task<string> UrlAsync() => await python.UrlAsync(App);

    [Fact]
    public async Task Index_PlainText()
    {
        using var response = await python.Http.GetAsync(new Uri(await UrlAsync() + "/"));

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("text/plain; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        Assert.Equal(21, response.Content.Headers.ContentLength);
        Assert.Equal("Starlette under test\n", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Route_TypedPathAndRepeatedQuery_Json()
    {
        var body = await python.Http.GetStringAsync(new Uri(await UrlAsync() + "/items/5?q=x%20y&tag=a&tag=b"));

        Assert.Equal("""{"id":5,"q":"x y","tags":["a","b"]}""", body);
    }

    [Fact]
    public async Task Route_PathNotMatchingConvertor_404()
    {
        using var response = await python.Http.GetAsync(new Uri(await UrlAsync() + "/items/abc"));

        Assert.Equal(404, (int)response.StatusCode);
        Assert.Equal("Not Found", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task RequestBody_LargePost_ReadWhole()
    {
        var data = AsgiControl.RandomBytes(2 * 1024 * 1024 + 3, seed: 5);
        using var content = new ByteArrayContent(data);
        content.Headers.ContentType = new("application/octet-stream");
        using var response = await python.Http.PostAsync(new Uri(await UrlAsync() + "/echo"), content);
        var json = AppControl.Json(await response.Content.ReadAsStringAsync());

        Assert.Equal(data.Length, json.GetProperty("length").GetInt32());
        Assert.Equal(AsgiControl.Sha256(data), json.Str("sha256"));
        Assert.Equal("application/octet-stream", json.Str("content_type"));
    }

    [Fact]
    public async Task StreamingResponse_AsyncGenerator_ChunkedRows()
    {
        var url = await UrlAsync();
        var response = await RawRequests.SendAsync(url, RawRequests.Get(url, "/stream/40"));

        Assert.Equal(200, response.StatusCode);
        Assert.True(response.IsChunked, "a StreamingResponse without a length was not chunked");
        Assert.Null(response.Header("Content-Length"));
        Assert.True(response.Complete);
        Assert.Equal(string.Concat(Enumerable.Range(0, 40).Select(i => $"row {i}\n")), response.BodyText);
    }

    [Fact]
    public async Task BackgroundTask_RunsAfterTheResponseWasSent()
    {
        // The task waits for this test's release; the test has the complete answer before it
        // releases, so the response did not wait for the task. Then the task finishes.
        var url = await UrlAsync();
        var id = AppControl.NewId();
        var answer = await python.Http.GetStringAsync(new Uri($"{url}/background?id={id}"));

        Assert.Equal("scheduled", answer);
        Assert.Equal(["started"], await python.Http.WaitForRecordAsync(url, id, "started"));
        await python.Http.ReleaseAsync(url, id);
        Assert.Equal(["started", "done"], await python.Http.WaitForRecordAsync(url, id, "done"));
    }

    [Fact]
    public async Task LifespanState_SeenByRequests_SharedObjectsPersist()
    {
        var url = await UrlAsync();
        var first = AppControl.Json(await python.Http.GetStringAsync(new Uri($"{url}/state?visit=first")));
        var second = AppControl.Json(await python.Http.GetStringAsync(new Uri($"{url}/state?visit=second")));

        Assert.Equal("hello from the lifespan", first.Str("greeting"));
        Assert.Equal("first", first.GetProperty("visits").Strings()[^1]);
        // The list was yielded once at startup: the second request appends to the same one.
        Assert.Equal(["first", "second"], second.GetProperty("visits").Strings()[^2..]);
    }

    [Fact]
    public async Task KeepAlive_MixedAnswersOnOneConnection()
    {
        var url = await UrlAsync();
        await using var connection = await RawConnection.OpenAsync(url);
        await connection.SendAsync(RawRequests.Get(url, "/"));
        var index = await connection.ReadResponseAsync();
        await connection.SendAsync(RawRequests.Get(url, "/stream/2"));
        var stream = await connection.ReadResponseAsync();
        await connection.SendAsync(RawRequests.Request("POST", url, "/echo", "Content-Length: 5") + "hello");
        var echo = await connection.ReadResponseAsync();

        Assert.Equal("Starlette under test\n", index.BodyText);
        Assert.Equal("row 0\nrow 1\n", stream.BodyText);
        Assert.Equal(5, AppControl.Json(Encoding.Latin1.GetString(echo.Body)).GetProperty("length").GetInt32());
    }
}
