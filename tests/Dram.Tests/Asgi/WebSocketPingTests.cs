using System.Net.WebSockets;
using Dram.Tests.Support;

namespace Dram.Tests.Asgi;

/// <summary>
/// --ws-ping-interval and --ws-ping-timeout (1 s each here), seen by raw clients: an idle
/// connection gets PING frames (RFC 6455 §5.5.2), a client that answers with PONG stays connected,
/// one that never answers is disconnected and the app hears websocket.disconnect 1006. Stopping
/// the server closes open connections with 1012 (Service Restart), as uvicorn does.
/// </summary>
[Collection(UsesPython.Name)]
[Trait("Interpreters", "all")]
public sealed class WebSocketPingTests(PythonFixture python) : IAsyncLifetime
{
    private const string App = "asgi_ws:app";
    private OwnServer? _own;

    private string Url => _own!.Url;

    public async Task InitializeAsync() =>
        _own = await OwnServer.StartAsync(python, App, o =>
        {
            o.WebSocketPingInterval = TimeSpan.FromSeconds(1);
            o.WebSocketPingTimeout = TimeSpan.FromSeconds(1);
        });

    public async Task DisposeAsync()
    {
        if (_own is not null)
        {
            await _own.DisposeAsync();
        }
    }

    [Fact]
    public async Task IdleConnection_Pinged_PongKeepsItOpen()
    {
        await using var connection = await WebSocketWire.OpenRawAsync(Url, "/echo");

        // Two rounds: each PING answered with a PONG carrying its payload (§5.5.3).
        for (var round = 0; round < 2; round++)
        {
            var ping = await connection.ReadFrameAsync(TimeSpan.FromSeconds(5));
            Assert.NotNull(ping);
            Assert.Equal(WebSocketWire.Ping, ping.Value.Opcode);
            await connection.WriteFrameAsync(WebSocketWire.Pong, ping.Value.Payload);
        }

        await connection.WriteFrameAsync(0x1, "still open"u8.ToArray());
        var frame = await connection.ReadFrameAsync(TimeSpan.FromSeconds(5));
        while (frame?.Opcode == WebSocketWire.Ping)
        {
            await connection.WriteFrameAsync(WebSocketWire.Pong, frame.Value.Payload);
            frame = await connection.ReadFrameAsync(TimeSpan.FromSeconds(5));
        }

        Assert.Equal("still open", System.Text.Encoding.UTF8.GetString(frame!.Value.Payload));
    }

    [Fact]
    public async Task PingNeverAnswered_Disconnected_AppHears1006()
    {
        var id = AppControl.NewId();
        await using var connection = await WebSocketWire.OpenRawAsync(Url, $"/wait-disconnect?id={id}");

        // Interval + timeout is 2 s; the server must end the connection well within 10.
        var frames = new List<int>();
        while (await connection.ReadFrameAsync(TimeSpan.FromSeconds(10)) is { } frame)
        {
            frames.Add(frame.Opcode);
        }

        Assert.Contains(WebSocketWire.Ping, frames);
        var records = await python.RecordsAsync(Url, id, 2);
        Assert.Equal("websocket.disconnect", records[0].GetProperty("type").GetString());
        Assert.Equal(1006, records[0].GetProperty("code").GetInt32());
        Assert.Equal("ClientDisconnected", records[1].GetProperty("send").GetString());
    }

    [Fact]
    public async Task ServerStops_OpenConnectionClosedWith1012()
    {
        var id = AppControl.NewId();
        var shared = await python.UrlAsync(App); // the records outlive this server: one interpreter
        using var socket = await WebSocketWire.ConnectAsync(Url, $"/wait-disconnect?id={id}");

        var stopping = _own!.Server.StopAsync();
        var (type, _) = await socket.ReceiveAsync();
        Assert.Equal(WebSocketMessageType.Close, type);
        Assert.Equal(1012, (int)socket.CloseStatus!);
        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
        await stopping.WaitAsync(TimeSpan.FromSeconds(20));

        var record = (await python.RecordsAsync(shared, id))[0];
        Assert.Equal(1012, record.GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task ServerDrains_OpenConnectionClosedWith1012_DrainEndsWithoutTheGracefulTimeout()
    {
        var id = AppControl.NewId();
        var shared = await python.UrlAsync(App);
        using var socket = await WebSocketWire.ConnectAsync(Url, $"/wait-disconnect?id={id}");

        // A rolling restart drains: a WebSocket has no next response to carry Connection: close,
        // so it is closed at once rather than held until the graceful timeout (30 s here).
        using var graceful = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var draining = _own!.Server.DrainAsync(graceful.Token);
        var (type, _) = await socket.ReceiveAsync();
        Assert.Equal(WebSocketMessageType.Close, type);
        Assert.Equal(1012, (int)socket.CloseStatus!);
        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
        await draining.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.False(graceful.IsCancellationRequested);

        var record = (await python.RecordsAsync(shared, id))[0];
        Assert.Equal(1012, record.GetProperty("code").GetInt32());
    }
}
