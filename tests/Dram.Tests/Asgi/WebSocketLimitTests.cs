using System.Net.WebSockets;
using Dram.Tests.Support;

namespace Dram.Tests.Asgi;

/// <summary>
/// --ws-max-size and --ws-per-message-deflate on a server of their own (a 1 MiB limit, deflate
/// off): a message at the limit is echoed intact, one byte more closes the connection with 1009
/// (RFC 6455 §7.4.1 "Message Too Big") and the app hears websocket.disconnect 1009, whether the
/// message came in one frame or in many; without deflate no extension is negotiated.
/// </summary>
[Collection(UsesPython.Name)]
[Trait("Interpreters", "all")]
public sealed class WebSocketLimitTests(PythonFixture python) : IAsyncLifetime
{
    private const string App = "asgi_ws:app";
    private const int Limit = 1024 * 1024;
    private OwnServer? _own;

    private string Url => _own!.Url;

    public async Task InitializeAsync() =>
        _own = await OwnServer.StartAsync(python, App, o =>
        {
            o.WebSocketMaxSize = Limit;
            o.WebSocketPerMessageDeflate = false;
        });

    public async Task DisposeAsync()
    {
        if (_own is not null)
        {
            await _own.DisposeAsync();
        }
    }

    [Fact]
    public async Task MessageAtTheLimit_EchoedIntact()
    {
        using var socket = await WebSocketWire.ConnectAsync(Url, "/echo");
        var data = AsgiControl.RandomBytes(Limit, seed: 3);

        await socket.SendBytesAsync(data);
        var (type, echoed) = await socket.ReceiveAsync();

        Assert.Equal(WebSocketMessageType.Binary, type);
        Assert.Equal(AsgiControl.Sha256(data), AsgiControl.Sha256(echoed));
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(64)]
    public async Task MessageOverTheLimit_Closed1009_AppHearsIt(int fragments)
    {
        var id = AppControl.NewId();
        using var socket = await WebSocketWire.ConnectAsync(Url, $"/echo?id={id}");
        var data = AsgiControl.RandomBytes(Limit + 1, seed: 4);
        var size = (data.Length + fragments - 1) / fragments;
        try
        {
            for (var offset = 0; offset < data.Length; offset += size)
            {
                var end = Math.Min(offset + size, data.Length);
                await socket.SendAsync(data.AsMemory(offset, end - offset), WebSocketMessageType.Binary, end == data.Length, CancellationToken.None);
            }
        }
        catch (WebSocketException)
        {
            // The server may close before the last fragment is sent.
        }

        var (type, _) = await socket.ReceiveAsync();
        Assert.Equal(WebSocketMessageType.Close, type);
        Assert.Equal(WebSocketCloseStatus.MessageTooBig, socket.CloseStatus);

        var disconnect = (await python.RecordsAsync(Url, id))[0];
        Assert.Equal("websocket.disconnect", disconnect.GetProperty("type").GetString());
        Assert.Equal(1009, disconnect.GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task DeflateOff_NotNegotiated()
    {
        using var socket = await WebSocketWire.ConnectAsync(Url, "/echo", o => o.DangerousDeflateOptions = new WebSocketDeflateOptions());

        Assert.False(socket.HttpResponseHeaders!.ContainsKey("Sec-WebSocket-Extensions"));
        await socket.SendTextAsync("plain");
        Assert.Equal("plain", await socket.ReceiveTextAsync());
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
    }
}
