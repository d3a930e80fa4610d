using Dram.Server;
using Dram.Tests.Support;

namespace Dram.Tests.Limits;

/// <summary>
/// The request limits against a live server over raw sockets: each violation gets its status,
/// closes the connection, and writes one error log line naming the client's address and port and
/// the setting; requests just inside each limit pass.
/// </summary>
[Collection(UsesPython.Name)]
public sealed class LimitsTests(PythonFixture python)
{
    private static readonly TimeSpan LogWait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task RequestLine_OneByteOverLimit_414ClosedAndLogged()
    {
        await using var server = await StartAsync("wsgi_echo:raw_app", o => o.LimitRequestLine = 100);

        // "GET " + target + " HTTP/1.1" is exactly the limit: accepted (gunicorn counts without CRLF).
        var atLimit = "/" + new string('a', 100 - "GET / HTTP/1.1".Length);
        var ok = await RawRequests.SendAsync(server.Url, RawRequests.Get(server.Url, atLimit));
        Assert.Equal(200, ok.StatusCode);

        var from = python.Log.Position;
        await using var connection = await RawConnection.OpenAsync(server.Url);
        await connection.SendAsync(RawRequests.Get(server.Url, atLimit + "b"));
        var refused = await connection.ReadResponseAsync();
        Assert.Equal(414, refused.StatusCode);
        await connection.ReadToEndAsync();
        Assert.True(connection.SawEof);

        await AssertLoggedAsync(from, connection, "with 414: request line longer than --limit-request-line 100 bytes");
    }

    [Fact]
    public async Task HeaderFields_OneOverLimit_431ClosedAndLogged()
    {
        await using var server = await StartAsync("wsgi_echo:raw_app", o => o.LimitRequestFields = 10);

        // Host plus nine: ten fields.
        var nine = Enumerable.Range(1, 9).Select(i => $"X-H{i}: {i}").ToArray();
        Assert.Equal(200, (await RawRequests.SendAsync(server.Url, RawRequests.Get(server.Url, "/", nine))).StatusCode);

        var from = python.Log.Position;
        await using var connection = await RawConnection.OpenAsync(server.Url);
        await connection.SendAsync(RawRequests.Get(server.Url, "/", [.. nine, "X-H10: 10"]));
        Assert.Equal(431, (await connection.ReadResponseAsync()).StatusCode);
        await connection.ReadToEndAsync();

        await AssertLoggedAsync(from, connection, "with 431: more header fields than --limit-request-fields 10");
    }

    [Theory]
    [InlineData("wsgi_echo:raw_app")]
    [InlineData("asgi_echo:app")]
    public async Task FieldSize_OneByteOverLimit_431BeforeTheAppAndLogged(string app)
    {
        await using var server = await StartAsync(app, o => o.LimitRequestFieldSize = 100);

        // "X-Big: " + value is exactly 100 bytes: accepted.
        var value = new string('v', 100 - "X-Big: ".Length);
        Assert.Equal(200, (await RawRequests.SendAsync(server.Url, RawRequests.Get(server.Url, "/", "X-Big: " + value))).StatusCode);

        var from = python.Log.Position;
        await using var connection = await RawConnection.OpenAsync(server.Url);
        await connection.SendAsync(RawRequests.Get(server.Url, "/", "X-Big: " + value + "v"));
        var refused = await connection.ReadResponseAsync();
        Assert.Equal(431, refused.StatusCode);
        Assert.Equal("close", refused.Header("Connection"));
        await connection.ReadToEndAsync();

        await AssertLoggedAsync(from, connection, "with 431: header field X-Big longer than --limit-request-field_size 100 bytes");
    }

    [Fact]
    public async Task FieldSize_Defaults_FiveLargeCookiesFitTheTotal()
    {
        // Kestrel's own default total (32 KiB) would refuse these 40 KB; gunicorn's limits allow them.
        await using var server = await StartAsync("wsgi_echo:raw_app", _ => { });
        var headers = Enumerable.Range(1, 5).Select(i => $"X-Cookie{i}: " + new string('c', 8000)).ToArray();
        var response = await RawRequests.SendAsync(server.Url, RawRequests.Get(server.Url, "/", headers));
        Assert.Equal(200, response.StatusCode);

        var over = await RawRequests.SendAsync(server.Url, RawRequests.Get(server.Url, "/", "X-Cookie: " + new string('c', 8181)));
        Assert.Equal(431, over.StatusCode);
    }

    [Fact]
    public async Task HeaderTimeout_HeadersTrickleIn_408ClosedAndLogged()
    {
        await using var server = await StartAsync("wsgi_echo:raw_app", o => o.HeaderTimeout = TimeSpan.FromSeconds(2));
        var from = python.Log.Position;
        await using var connection = await RawConnection.OpenAsync(server.Url);

        // A slowloris client: a request line and a header, then nothing more.
        await connection.SendAsync($"GET / HTTP/1.1\r\nHost: {RawConnection.HostOf(server.Url)}\r\nX-Slow: 1\r\n");
        var refused = await connection.ReadResponseAsync(timeout: TimeSpan.FromSeconds(30));
        Assert.Equal(408, refused.StatusCode);
        await connection.ReadToEndAsync(TimeSpan.FromSeconds(30));
        Assert.True(connection.SawEof);

        await AssertLoggedAsync(from, connection, "with 408: request line and headers not received within --header-timeout 2 s");
    }

    [Theory]
    [InlineData("wsgi_echo:raw_app")]
    [InlineData("asgi_echo:app")]
    public async Task MinBodyRate_BodyTrickles_408ClosedAndLogged(string app)
    {
        await using var server = await StartAsync(app, o => o.MinBodyRate = 1000);
        var from = python.Log.Position;
        await using var connection = await RawConnection.OpenAsync(server.Url);

        // 10 bytes of a 100000-byte body, then nothing: under 1000 bytes/s once the 5 s grace ends.
        await connection.SendAsync(RawRequests.Request("POST", server.Url, "/", "Content-Length: 100000") + "0123456789");
        var refused = await connection.ReadResponseAsync(timeout: TimeSpan.FromSeconds(60));
        Assert.Equal(408, refused.StatusCode);
        await connection.ReadToEndAsync(TimeSpan.FromSeconds(30));
        Assert.True(connection.SawEof);

        await AssertLoggedAsync(from, connection, "arrived slower than --min-body-rate 1000 bytes/s");
        Assert.DoesNotContain("[ERROR]", python.Log.Since(from), StringComparison.Ordinal); // the app's failed read is the client's doing
    }

    [Fact]
    public async Task KeepAlive_IdlePastTimeout_ClosedSilently()
    {
        await using var server = await StartAsync("wsgi_echo:raw_app", o => o.KeepAlive = TimeSpan.FromSeconds(1));
        var from = python.Log.Position;
        await using var connection = await RawConnection.OpenAsync(server.Url);
        await connection.SendAsync(RawRequests.Get(server.Url, "/"));
        Assert.Equal(200, (await connection.ReadResponseAsync()).StatusCode);

        // Idle: the server closes without a byte (no 408, RFC 9112 §9.5), within the timeout plus Kestrel's 1 s heartbeat.
        var started = DateTime.UtcNow;
        var rest = await connection.ReadToEndAsync(TimeSpan.FromSeconds(30));
        Assert.Empty(rest);
        Assert.True(connection.SawEof);
        Assert.InRange(DateTime.UtcNow - started, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(15));
        Assert.DoesNotContain($":{connection.LocalEndPoint.Port}", python.Log.Since(from), StringComparison.Ordinal);
    }

    [Fact]
    public async Task BodySize_ContentLengthOverLimit_413BeforeTheAppAndLogged()
    {
        await using var server = await StartAsync("wsgi_echo:raw_app", o => o.MaxRequestBody = 1000);
        var from = python.Log.Position;
        await using var connection = await RawConnection.OpenAsync(server.Url);
        await connection.SendAsync(RawRequests.Request("POST", server.Url, "/", "Content-Length: 1001") + new string('b', 1001));
        Assert.Equal(413, (await connection.ReadResponseAsync()).StatusCode);
        await connection.ReadToEndAsync();

        await AssertLoggedAsync(from, connection, "with 413: body of 1001 bytes larger than --max-request-body 1000 bytes");
    }

    [Theory]
    [InlineData("wsgi_echo:raw_app")]
    [InlineData("asgi_echo:app")]
    public async Task BodySize_ChunkedOverLimit_413AndOneLine(string app)
    {
        await using var server = await StartAsync(app, o => o.MaxRequestBody = 1000);
        var from = python.Log.Position;
        await using var connection = await RawConnection.OpenAsync(server.Url);
        await connection.SendAsync(RawRequests.Request("POST", server.Url, "/", "Transfer-Encoding: chunked") + "3e9\r\n" + new string('b', 1001) + "\r\n0\r\n\r\n");
        Assert.Equal(413, (await connection.ReadResponseAsync()).StatusCode);
        await connection.ReadToEndAsync();

        await AssertLoggedAsync(from, connection, "with 413: body larger than --max-request-body 1000 bytes");
        Assert.DoesNotContain("[ERROR]", python.Log.Since(from), StringComparison.Ordinal);
    }

    private async Task AssertLoggedAsync(int from, RawConnection connection, string what)
    {
        // One line, at INFO, naming this client's address and port.
        var peer = $"127.0.0.1:{connection.LocalEndPoint.Port}";
        var expected = $"[INFO] Refused a request from {peer} ";
        var text = await python.Log.WaitAsync(t => t.Contains(peer, StringComparison.Ordinal) && t.Contains(what, StringComparison.Ordinal), from, LogWait);
        Assert.True(text is not null, $"no log line with '{peer}' and '{what}' in:\n{python.Log.Since(from)}");
        var lines = text.Split('\n').Where(l => l.Contains(peer, StringComparison.Ordinal)).ToList();
        var line = Assert.Single(lines);
        Assert.Contains(what, line, StringComparison.Ordinal);
        Assert.True(line.Contains(expected, StringComparison.Ordinal) || line.Contains($"[INFO] Request body from {peer} ", StringComparison.Ordinal), line);
    }

    private Task<OwnServer> StartAsync(string app, Action<DramServerOptions> configure) => OwnServer.StartAsync(python, app, configure);
}
