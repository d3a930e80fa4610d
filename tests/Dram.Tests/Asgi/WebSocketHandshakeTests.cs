using Dram.Tests.Support;

namespace Dram.Tests.Asgi;

/// <summary>
/// Refused handshakes, checked on the wire with raw sockets (tests/apps/asgi_ws.py): websocket.close
/// before websocket.accept is a 403 (ASGI "Close - send event"), the "WebSocket Denial Response"
/// extension sends the app's own HTTP response, and an app that ends before accepting is a 403 as
/// in uvicorn (its traceback logged if it raised). None of them upgrades the connection.
/// </summary>
[Collection(UsesPython.Name)]
[Trait("Interpreters", "all")]
public sealed class WebSocketHandshakeTests(PythonFixture python)
{
    private const string App = "asgi_ws:app";

    [Fact]
    public async Task CloseBeforeAccept_403_AppThenHearsDisconnect()
    {
        var url = await python.UrlAsync(App);
        var id = AppControl.NewId();
        var response = await RawRequests.SendAsync(url, WebSocketWire.Handshake(url, $"/deny?id={id}"));

        Assert.Equal(403, response.StatusCode);
        Assert.False(response.HasHeader("Upgrade"));
        Assert.False(response.HasHeader("Sec-WebSocket-Accept"));
        Assert.Empty(response.Body);

        var after = (await python.RecordsAsync(url, id))[0];
        Assert.Equal("websocket.disconnect", after.GetProperty("after_deny").GetString());
        Assert.Equal(1006, after.GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task DenialResponse_AppsStatusHeadersAndBody()
    {
        var url = await python.UrlAsync(App);
        var response = await RawRequests.SendAsync(url, WebSocketWire.Handshake(url, "/deny-response"));

        Assert.Equal(418, response.StatusCode);
        Assert.Equal("teapot", response.Header("x-dram-denied"));
        Assert.Equal("text/plain", response.Header("Content-Type"));
        Assert.False(response.HasHeader("Sec-WebSocket-Accept"));
        Assert.True(response.Complete);
        Assert.Equal("no websocket for you", response.BodyText);
    }

    [Fact]
    public async Task DenialResponse_ConnectionServesTheNextRequest()
    {
        // The refused handshake was an ordinary HTTP exchange: keep-alive goes on.
        var url = await python.UrlAsync(App);
        await using var connection = await RawConnection.OpenAsync(url);
        await connection.SendAsync(WebSocketWire.Handshake(url, "/deny-response"));
        Assert.Equal(418, (await connection.ReadResponseAsync()).StatusCode);

        await connection.SendAsync(RawRequests.Get(url, "/_records?id=none"));
        var next = await connection.ReadResponseAsync();
        Assert.Equal(200, next.StatusCode);
        Assert.Equal("[]", next.BodyText);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AppEndsBeforeAccept_403(bool raise)
    {
        var url = await python.UrlAsync(App);
        var marker = "m" + AppControl.NewId();
        var from = python.Log.Position;
        var target = "/end-before-accept" + (raise ? $"?raise={marker}" : "");
        var response = await RawRequests.SendAsync(url, WebSocketWire.Handshake(url, target));

        Assert.Equal(403, response.StatusCode);
        Assert.DoesNotContain(marker, response.BodyText, StringComparison.Ordinal);
        if (raise)
        {
            var log = await python.Log.WaitAsync(t => t.Contains("ValueError: dram-test failure before accept " + marker, StringComparison.Ordinal), from);
            Assert.True(log is not null, $"no traceback for {marker}: {python.Log.Since(from)}");
        }
    }

    [Fact]
    public async Task UnknownRoute_AppClosesWithPolicyViolation_403()
    {
        // A close code before the accept has no Close frame to travel in: it is still a 403.
        var url = await python.UrlAsync(App);
        var response = await RawRequests.SendAsync(url, WebSocketWire.Handshake(url, "/nowhere"));

        Assert.Equal(403, response.StatusCode);
    }

    [Fact]
    public async Task ClientLeavesBeforeAccept_WaitingReceiveHearsDisconnect()
    {
        var url = await python.UrlAsync(App);
        var id = AppControl.NewId();
        var connection = await RawConnection.OpenAsync(url);
        await connection.SendAsync(WebSocketWire.Handshake(url, $"/wait-before-accept?id={id}"));
        await Task.Delay(200);
        await connection.DisposeAsync();

        var record = (await python.RecordsAsync(url, id))[0];
        Assert.Equal("websocket.disconnect", record.GetProperty("type").GetString());
        Assert.Equal(1006, record.GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task Accepted_ServerFramesUnmasked_CloseAnsweredWithClose()
    {
        // On the wire (RFC 6455 §5.1, §5.5.1): the 101 carries the right Sec-WebSocket-Accept, the
        // server's frames are not masked, and a client's Close frame is answered with one echoing
        // its code, after which the server closes the TCP connection (§7.1.1).
        var url = await python.UrlAsync(App);
        var id = AppControl.NewId();
        await using var connection = await WebSocketWire.OpenRawAsync(url, $"/echo?id={id}");

        await connection.WriteFrameAsync(0x1, "raw"u8.ToArray());
        var echo = await connection.ReadFrameAsync(WebSocketWire.Wait);
        Assert.Equal((0x1, true, "raw"), (echo!.Value.Opcode, echo.Value.Fin, System.Text.Encoding.UTF8.GetString(echo.Value.Payload)));

        // A message in three fragments (§5.4) reaches the app as one.
        await connection.WriteFrameAsync(0x2, [1, 2], fin: false);
        await connection.WriteFrameAsync(0x0, [3], fin: false);
        await connection.WriteFrameAsync(0x0, [4, 5], fin: true);
        var joined = await connection.ReadFrameAsync(WebSocketWire.Wait);
        Assert.Equal(0x2, joined!.Value.Opcode);
        Assert.Equal([1, 2, 3, 4, 5], joined.Value.Payload);

        await connection.WriteFrameAsync(WebSocketWire.Close, WebSocketWire.ClosePayload(4003, "raw bye"));
        var close = await connection.ReadFrameAsync(WebSocketWire.Wait);
        Assert.Equal(WebSocketWire.Close, close!.Value.Opcode);
        Assert.Equal(4003, WebSocketWire.CloseCode(close.Value.Payload));
        Assert.Empty(await connection.ReadToEndAsync(WebSocketWire.Wait));

        var disconnect = (await python.RecordsAsync(url, id))[0];
        Assert.Equal(4003, disconnect.GetProperty("code").GetInt32());
        Assert.Equal("raw bye", disconnect.GetProperty("reason").GetString());
    }
}
