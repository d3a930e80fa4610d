using System.Net;
using System.Net.WebSockets;
using System.Text;
using Dram.Tests.Support;

namespace Dram.Tests.Asgi;

/// <summary>
/// The ASGI WebSocket events end to end with .NET's ClientWebSocket against tests/apps/asgi_ws.py:
/// accept with a subprotocol and headers, text and binary messages both ways, close codes both
/// ways, websocket.disconnect, errors in the app and messages sent out of order.
/// </summary>
[Collection(UsesPython.Name)]
public sealed class WebSocketTests(PythonFixture python)
{
    private const string App = "asgi_ws:app";

    [Fact]
    public async Task Echo_TextAndBinary_ComeBackAsSent()
    {
        var url = await python.UrlAsync(App);
        var id = AppControl.NewId();
        using var socket = await WebSocketWire.ConnectAsync(url, $"/echo?id={id}");

        await socket.SendTextAsync("héllo, wörld ✓");
        Assert.Equal("héllo, wörld ✓", await socket.ReceiveTextAsync());

        byte[] binary = [0, 1, 2, 0xFF, 0x80];
        await socket.SendBytesAsync(binary);
        var (binaryType, binaryEcho) = await socket.ReceiveAsync();
        Assert.Equal(WebSocketMessageType.Binary, binaryType);
        Assert.Equal(binary, binaryEcho);

        await socket.SendBytesAsync([]);
        var (emptyType, emptyEcho) = await socket.ReceiveAsync();
        Assert.Equal(WebSocketMessageType.Binary, emptyType);
        Assert.Empty(emptyEcho);

        // Larger than any frame buffer on the way: reassembled into one message both ways.
        var large = AsgiControl.RandomBytes(3 * 1024 * 1024 + 7, seed: 5);
        await socket.SendBytesAsync(large);
        var (type, echoed) = await socket.ReceiveAsync();
        Assert.Equal(WebSocketMessageType.Binary, type);
        Assert.Equal(AsgiControl.Sha256(large), AsgiControl.Sha256(echoed));

        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);

        // "Receive - receive event": exactly one of text and bytes, the other absent.
        var shapes = await python.RecordsAsync(url, id + "-shape", 4);
        Assert.Equal("[\"text\",\"type\"]", shapes[0].GetProperty("keys").GetRawText().Replace(" ", "", StringComparison.Ordinal));
        Assert.Equal("str", shapes[0].GetProperty("text").GetString());
        Assert.Equal("[\"bytes\",\"type\"]", shapes[1].GetProperty("keys").GetRawText().Replace(" ", "", StringComparison.Ordinal));
        Assert.Equal("bytes", shapes[1].GetProperty("bytes").GetString());
    }

    [Fact]
    public async Task Accept_SubprotocolAndHeaders_InThe101()
    {
        var url = await python.UrlAsync(App);
        using var socket = await WebSocketWire.ConnectAsync(url, "/echo", o =>
        {
            o.AddSubProtocol("chat.v2");
            o.AddSubProtocol("chat.v1");
        });

        Assert.Equal(HttpStatusCode.SwitchingProtocols, socket.HttpStatusCode);
        Assert.Equal("chat.v2", socket.SubProtocol);
        Assert.Equal("yes", Assert.Single(socket.HttpResponseHeaders!["x-dram-accept"]));

        // The scope lists what the client offered, in order, and says ASGI 3.0 / spec 2.4.
        await socket.SendTextAsync("scope");
        var scope = AppControl.Json(await socket.ReceiveTextAsync());
        Assert.Equal(["chat.v2", "chat.v1"], scope.GetProperty("subprotocols").Strings());
        Assert.Equal("2.4", scope.GetProperty("asgi").GetProperty("spec_version").GetString());
        Assert.Equal("ws", scope.GetProperty("scheme").GetString());
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
    }

    [Fact]
    public async Task Accept_NoSubprotocolOffered_NoneChosen()
    {
        var url = await python.UrlAsync(App);
        using var socket = await WebSocketWire.ConnectAsync(url, "/echo");

        Assert.Null(socket.SubProtocol);
        Assert.False(socket.HttpResponseHeaders!.ContainsKey("Sec-WebSocket-Protocol"));
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
    }

    [Fact]
    public async Task ServerClose_ClientSeesCodeAndReason_AppThenHearsDisconnect()
    {
        var url = await python.UrlAsync(App);
        var id = AppControl.NewId();
        using var socket = await WebSocketWire.ConnectAsync(url, $"/echo?id={id}");

        await socket.SendTextAsync("close 4000 see you later");
        var (type, _) = await socket.ReceiveAsync();

        Assert.Equal(WebSocketMessageType.Close, type);
        Assert.Equal(4000, (int)socket.CloseStatus!);
        Assert.Equal("see you later", socket.CloseStatusDescription);
        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);

        // "Close - send event": after closing, the app's receive() is websocket.disconnect with its code.
        var after = (await python.RecordsAsync(url, id))[0];
        Assert.Equal("websocket.disconnect", after.GetProperty("after_close").GetString());
        Assert.Equal(4000, after.GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task ClientClose_AppHearsCodeAndReason()
    {
        var url = await python.UrlAsync(App);
        var id = AppControl.NewId();
        using var socket = await WebSocketWire.ConnectAsync(url, $"/echo?id={id}");
        await socket.SendTextAsync("ping?");
        Assert.Equal("ping?", await socket.ReceiveTextAsync());

        // CloseAsync completes only once the server has answered with its own Close frame (§5.5.1).
        using var cts = new CancellationTokenSource(WebSocketWire.Wait);
        await socket.CloseAsync((WebSocketCloseStatus)4001, "bye now", cts.Token);
        Assert.Equal(4001, (int)socket.CloseStatus!);

        var disconnect = (await python.RecordsAsync(url, id))[0];
        Assert.Equal("websocket.disconnect", disconnect.GetProperty("type").GetString());
        Assert.Equal(4001, disconnect.GetProperty("code").GetInt32());
        Assert.Equal("bye now", disconnect.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task ClientDrops_AppHears1006_AndSendRaisesOSError()
    {
        var url = await python.UrlAsync(App);
        var id = AppControl.NewId();
        var connection = await WebSocketWire.OpenRawAsync(url, $"/wait-disconnect?id={id}");
        await connection.DisposeAsync(); // the TCP connection ends with no Close frame

        var records = await python.RecordsAsync(url, id, 2);
        Assert.Equal("websocket.disconnect", records[0].GetProperty("type").GetString());
        Assert.Equal(1006, records[0].GetProperty("code").GetInt32());

        // Spec 2.4, "Disconnected Client - send exception": an OSError subclass.
        Assert.Equal("ClientDisconnected", records[1].GetProperty("send").GetString());
    }

    [Theory]
    [InlineData(false, 1000)]
    [InlineData(true, 1011)]
    public async Task AppEndsAfterAccept_ClosedLikeUvicorn(bool raise, int expected)
    {
        // Returning without closing closes with 1000; raising closes with 1011 (Internal Error) and
        // logs the traceback.
        var url = await python.UrlAsync(App);
        var marker = "m" + AppControl.NewId();
        var from = python.Log.Position;
        using var socket = await WebSocketWire.ConnectAsync(url, "/end-after-accept" + (raise ? $"?raise={marker}" : ""));

        Assert.Equal("hello", await socket.ReceiveTextAsync());
        var (type, _) = await socket.ReceiveAsync();
        Assert.Equal(WebSocketMessageType.Close, type);
        Assert.Equal(expected, (int)socket.CloseStatus!);
        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);

        if (raise)
        {
            var log = await python.Log.WaitAsync(t => t.Contains("ValueError: dram-test failure after accept " + marker, StringComparison.Ordinal), from);
            Assert.True(log is not null, $"no traceback for {marker}: {python.Log.Since(from)}");
        }
    }

    [Theory]
    [InlineData("send-before-accept", "RuntimeError")]
    [InlineData("accept-twice", "RuntimeError")]
    [InlineData("unknown", "RuntimeError")]
    [InlineData("both", "ValueError")]
    public async Task BadMessage_RaisesInTheApp_ConnectionAndServerGoOn(string badCase, string error)
    {
        // ASGI "Error Handling": a message the server cannot handle raises in the app. The app
        // catches it here and goes on; so does the server.
        var url = await python.UrlAsync(App);
        var id = AppControl.NewId();
        using var socket = await WebSocketWire.ConnectAsync(url, $"/bad?case={badCase}&id={id}");

        Assert.Equal("still here", await socket.ReceiveTextAsync());
        var (type, _) = await socket.ReceiveAsync();
        Assert.Equal(WebSocketMessageType.Close, type);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, socket.CloseStatus);
        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);

        var record = (await python.RecordsAsync(url, id))[0];
        Assert.Equal(error, record.GetProperty("error").GetString());
        using var again = await WebSocketWire.ConnectAsync(url, "/echo");
        await again.SendTextAsync("after");
        Assert.Equal("after", await again.ReceiveTextAsync());
        await again.CloseAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
    }

    [Fact]
    public async Task SlowApp_MessagesWaitInOrder_NoneLost()
    {
        // The server reads at most one message ahead of the app; the rest wait in the network.
        var url = await python.UrlAsync(App);
        var id = AppControl.NewId();
        using var socket = await WebSocketWire.ConnectAsync(url, $"/slow-reader?id={id}");
        for (var i = 0; i < 20; i++)
        {
            await socket.SendBytesAsync(AsgiControl.RandomBytes(16 * 1024, seed: i));
        }

        await python.Http.ReleaseAsync(url, id);
        for (var i = 1; i <= 20; i++)
        {
            Assert.Equal(i.ToString(System.Globalization.CultureInfo.InvariantCulture), await socket.ReceiveTextAsync());
        }

        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
        var record = (await python.RecordsAsync(url, id))[0];
        Assert.Equal(20, record.GetProperty("received").GetInt32());
    }

    [Fact]
    public async Task SlowApp_FastClientIsHeldBack_NothingPilesUpInTheServer()
    {
        // Backpressure: with the app reading nothing, the server holds one message and stops
        // reading, so the client's sends stall once the socket buffers are full, far short of
        // the 64 MiB it wants to send. Released, the app gets every message.
        const int Count = 64;
        var url = await python.UrlAsync(App);
        var id = AppControl.NewId();
        using var socket = await WebSocketWire.ConnectAsync(url, $"/slow-reader?id={id}");
        var message = new byte[1024 * 1024];
        var sent = 0;
        var sending = Task.Run(async () =>
        {
            for (var i = 0; i < Count; i++)
            {
                await socket.SendAsync(message, WebSocketMessageType.Binary, endOfMessage: true, CancellationToken.None);
                Interlocked.Increment(ref sent);
            }
        });

        var last = -1;
        while (Volatile.Read(ref sent) != last && !sending.IsCompleted)
        {
            last = Volatile.Read(ref sent);
            await Task.Delay(1000);
        }

        Assert.True(last < Count * 3 / 4, $"the client sent {last} MiB to an app that read nothing");
        await python.Http.ReleaseAsync(url, id);
        for (var i = 1; i <= Count; i++)
        {
            Assert.Equal(i.ToString(System.Globalization.CultureInfo.InvariantCulture), await socket.ReceiveTextAsync());
        }

        await sending.WaitAsync(WebSocketWire.Wait);
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
        Assert.Equal(Count, (await python.RecordsAsync(url, id))[0].GetProperty("received").GetInt32());
    }

    [Fact]
    public async Task PerMessageDeflate_NegotiatedByDefault()
    {
        // RFC 7692: offered by the client, accepted by default (--ws-per-message-deflate).
        var url = await python.UrlAsync(App);
        using var socket = await WebSocketWire.ConnectAsync(url, "/echo", o => o.DangerousDeflateOptions = new WebSocketDeflateOptions());

        var extensions = string.Join(",", socket.HttpResponseHeaders!.TryGetValue("Sec-WebSocket-Extensions", out var values) ? values : []);
        Assert.Contains("permessage-deflate", extensions, StringComparison.Ordinal);

        var text = string.Concat(Enumerable.Repeat("compress me, please. ", 50_000));
        await socket.SendTextAsync(text);
        Assert.Equal(text, await socket.ReceiveTextAsync());
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
    }

    [Fact]
    public async Task PythonWebsocketsClient_Interoperates()
    {
        // Another implementation than .NET's on the client side: Debian's websockets library.
        var url = await python.UrlAsync(App);
        var id = AppControl.NewId();
        const string Script = """
            import asyncio, json, sys, websockets
            async def main(uri):
                async with websockets.connect(uri, subprotocols=["chat"]) as ws:
                    await ws.send("text ✓")
                    text = await ws.recv()
                    await ws.send(b"\x00\xff")
                    data = await ws.recv()
                    await ws.close(4002, "done")
                    print(json.dumps({"subprotocol": ws.subprotocol, "text": text, "bytes": data.hex(),
                                      "header": ws.response_headers.get("x-dram-accept"),
                                      "extensions": [e.name for e in ws.extensions]}))
            asyncio.run(main(sys.argv[1]))
            """;
        var result = await ChildProcess.RunAsync(
            "/usr/bin/python3", ["-c", Script, WebSocketWire.WsUri(url, $"/echo?id={id}").ToString()], RepoPaths.Apps, timeout: TimeSpan.FromSeconds(30));

        Assert.True(result.ExitCode == 0, result.ToString());
        var output = AppControl.Json(result.Stdout);
        Assert.Equal("chat", output.GetProperty("subprotocol").GetString());
        Assert.Equal("text ✓", output.GetProperty("text").GetString());
        Assert.Equal("00ff", output.GetProperty("bytes").GetString());
        Assert.Equal("yes", output.GetProperty("header").GetString());
        Assert.Equal(["permessage-deflate"], output.GetProperty("extensions").Strings());

        var disconnect = (await python.RecordsAsync(url, id))[0];
        Assert.Equal(4002, disconnect.GetProperty("code").GetInt32());
        Assert.Equal("done", disconnect.GetProperty("reason").GetString());
    }
}
