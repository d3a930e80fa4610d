using System.Net.Http.Json;
using Dram.Tests.Support;

namespace Dram.Tests.Apps;

public sealed class FlaskUnderGunicorn() : GunicornServer(FlaskAppTests.App);

/// <summary>
/// A Flask app (tests/apps/real/flask_app.py) served by Dram and by gunicorn: a form post, a JSON
/// API, a streamed response and Flask's error paths give the same answers from both.
/// </summary>
[Collection(UsesPython.Name)]
public sealed class FlaskAppTests(PythonFixture python, FlaskUnderGunicorn gunicorn) : IClassFixture<FlaskUnderGunicorn>
{
    public const string App = "real.flask_app:app";

    private async Task<(Captured Dram, Captured Gunicorn)> BothAsync(Func<string, HttpRequestMessage> request) =>
        await Exchange.BothAsync(python.Http, await python.UrlAsync(App), gunicorn.Url, request);

    [Fact]
    public async Task FormPost_Urlencoded_FieldsParsedSameAsGunicorn()
    {
        var (dram, reference) = await BothAsync(url => new HttpRequestMessage(HttpMethod.Post, new Uri(url + "/form"))
        {
            Content = new FormUrlEncodedContent([new("name", "Zoë & co"), new("tag", "a"), new("tag", "b=c")]),
        });

        Assert.Equal(200, dram.Status);
        Assert.Equal("hello Zoë & co; tags=a,b=c\n", dram.Text);
        Exchange.AssertSame(dram, reference);
    }

    [Fact]
    public async Task JsonApi_PostObject_201WithSameJson()
    {
        var (dram, reference) = await BothAsync(url => new HttpRequestMessage(HttpMethod.Post, new Uri(url + "/api/items"))
        {
            Content = JsonContent.Create(new { name = "widget", tags = (string[])["z", "a"] }),
        });

        Assert.Equal(201, dram.Status);
        Assert.Equal("application/json", dram.Header("Content-Type"));
        Assert.Equal("widget", dram.Json.GetProperty("name").GetString());
        Assert.Equal(6, dram.Json.GetProperty("id").GetInt32());
        Assert.Equal("a,z", string.Join(',', dram.Json.GetProperty("tags").EnumerateArray().Select(t => t.GetString())));
        Exchange.AssertSame(dram, reference);
    }

    [Fact]
    public async Task JsonApi_MalformedJson_Flask400SameAsGunicorn()
    {
        var (dram, reference) = await BothAsync(url => new HttpRequestMessage(HttpMethod.Post, new Uri(url + "/api/items"))
        {
            Content = new StringContent("{not json", System.Text.Encoding.UTF8, "application/json"),
        });

        Assert.Equal(400, dram.Status);
        Assert.Contains("Bad Request", dram.Text, StringComparison.Ordinal);
        Exchange.AssertSame(dram, reference);
    }

    [Fact]
    public async Task Stream_WithContext_ChunkedLinesSameAsGunicorn()
    {
        var (dram, reference) = await BothAsync(url => new HttpRequestMessage(HttpMethod.Get, new Uri(url + "/stream/50?prefix=row")));

        Assert.Equal(200, dram.Status);
        // No Content-Length from a generator: both servers chunk it (and say so in the same header).
        Assert.Null(dram.Header("Content-Length"));
        Assert.Equal("chunked", dram.Header("Transfer-Encoding"));
        Assert.Equal(string.Concat(Enumerable.Range(0, 50).Select(i => $"row {i}\n")), dram.Text);
        Exchange.AssertSame(dram, reference);
    }

    [Fact]
    public async Task Stream_RawSocket_OneChunkPerYieldLikeGunicorn()
    {
        // stream_with_context yields one line at a time: each must go out as its own chunk, not
        // be gathered into one (that would defeat streaming). Checked on the wire, for both.
        const string Expected = "7\r\nline 0\n\r\n7\r\nline 1\n\r\n7\r\nline 2\n\r\n0\r\n\r\n";
        foreach (var url in new[] { await python.UrlAsync(App), gunicorn.Url })
        {
            await using var connection = await RawConnection.OpenAsync(url);
            await connection.SendAsync($"GET /stream/3 HTTP/1.1\r\nHost: {RawConnection.HostOf(url)}\r\n\r\n");
            var response = await connection.ReadResponseAsync();

            Assert.True(response.IsChunked, $"{url}: {response.StatusLine}");
            Assert.Equal(Expected, System.Text.Encoding.Latin1.GetString(response.RawBody));
        }
    }

    [Fact]
    public async Task UnknownRoute_Get_AppsOwn404HandlerSameAsGunicorn()
    {
        var (dram, reference) = await BothAsync(url => new HttpRequestMessage(HttpMethod.Get, new Uri(url + "/missing/thing")));

        Assert.Equal(404, dram.Status);
        Assert.Equal("/missing/thing", dram.Json.GetProperty("path").GetString());
        Exchange.AssertSame(dram, reference);
    }

    [Fact]
    public async Task Abort400_Get_SameAsGunicorn()
    {
        var (dram, reference) = await BothAsync(url => new HttpRequestMessage(HttpMethod.Get, new Uri(url + "/bad")));

        Assert.Equal(400, dram.Status);
        Exchange.AssertSame(dram, reference);
    }

    [Fact]
    public async Task ViewRaises_Get_Flasks500PageAndTracebackInBothLogs()
    {
        var from = python.Log.Position;
        var gunicornFrom = gunicorn.ErrorLog.Length;
        var (dram, reference) = await BothAsync(url => new HttpRequestMessage(HttpMethod.Get, new Uri(url + "/boom")));

        // Flask, not the server, answers: its own "Internal Server Error" page, identical in both.
        Assert.Equal(500, dram.Status);
        Assert.Contains("<title>500 Internal Server Error</title>", dram.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("deliberate failure", dram.Text, StringComparison.Ordinal);
        Exchange.AssertSame(dram, reference);

        // Flask logs the exception to wsgi.errors: Dram's error log must get it as gunicorn's does.
        Assert.True(await python.Log.WaitForAsync("RuntimeError: deliberate failure in a Flask view", from),
            $"no traceback in Dram's log: {python.Log.Since(from)}");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!gunicorn.ErrorLog[gunicornFrom..].Contains("RuntimeError: deliberate failure", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Assert.Contains("RuntimeError: deliberate failure in a Flask view", gunicorn.ErrorLog[gunicornFrom..], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Index_KeepAlive_SecondRequestOnSameConnection()
    {
        // gunicorn's sync worker closes after every response; Dram keeps the connection for the
        // next request. Both answers on one socket prove it (the documented difference).
        var url = await python.UrlAsync(App);
        await using var connection = await RawConnection.OpenAsync(url);
        var request = $"GET / HTTP/1.1\r\nHost: {RawConnection.HostOf(url)}\r\n\r\n";
        await connection.SendAsync(request);
        var first = await connection.ReadResponseAsync();
        await connection.SendAsync(request);
        var second = await connection.ReadResponseAsync();

        Assert.Equal("Flask under test\n", first.BodyText);
        Assert.Equal("Flask under test\n", second.BodyText);
        Assert.Null(first.Header("Connection"));
    }
}
