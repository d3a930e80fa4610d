using System.Buffers.Binary;
using System.Net.WebSockets;
using System.Text;
using Dram.Tests.Support;

namespace Dram.Tests.Asgi;

/// <summary>
/// Client helpers for the WebSocket tests: .NET's <see cref="ClientWebSocket"/> for ordinary
/// traffic, and RFC 6455 frames over a <see cref="RawConnection"/> for what a real client hides
/// (the handshake's HTTP answer, PING frames, a client that never answers them).
/// </summary>
internal static class WebSocketWire
{
    public const int Ping = 0x9;
    public const int Pong = 0xA;
    public const int Close = 0x8;

    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    public static Uri WsUri(string baseUrl, string target) => new("ws" + baseUrl["http".Length..] + target);

    /// <summary>Connects a ClientWebSocket that keeps the handshake's response headers.</summary>
    public static async Task<ClientWebSocket> ConnectAsync(string baseUrl, string target, Action<ClientWebSocketOptions>? configure = null)
    {
        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        socket.Options.KeepAliveInterval = TimeSpan.Zero;
        configure?.Invoke(socket.Options);
        using var cts = new CancellationTokenSource(Wait);
        try
        {
            await socket.ConnectAsync(WsUri(baseUrl, target), cts.Token);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return socket;
    }

    /// <summary>One whole message (or the close), however many frames it came in.</summary>
    public static async Task<(WebSocketMessageType Type, byte[] Data)> ReceiveAsync(this ClientWebSocket socket)
    {
        using var cts = new CancellationTokenSource(Wait);
        using var data = new MemoryStream();
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, cts.Token);
            data.Write(buffer, 0, result.Count);
            if (result.EndOfMessage || result.MessageType == WebSocketMessageType.Close)
            {
                return (result.MessageType, data.ToArray());
            }
        }
    }

    public static async Task<string> ReceiveTextAsync(this ClientWebSocket socket)
    {
        var (type, data) = await socket.ReceiveAsync();
        Assert.Equal(WebSocketMessageType.Text, type);
        return Encoding.UTF8.GetString(data);
    }

    public static async Task SendTextAsync(this ClientWebSocket socket, string text)
    {
        using var cts = new CancellationTokenSource(Wait);
        await socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, endOfMessage: true, cts.Token);
    }

    public static async Task SendBytesAsync(this ClientWebSocket socket, byte[] data)
    {
        using var cts = new CancellationTokenSource(Wait);
        await socket.SendAsync(data, WebSocketMessageType.Binary, endOfMessage: true, cts.Token);
    }

    /// <summary>An opening handshake (RFC 6455 §4.1) as raw HTTP, with any extra header lines.</summary>
    public static string Handshake(string baseUrl, string target, params string[] headers) =>
        RawRequests.Get(baseUrl, target, [
            "Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
            "Sec-WebSocket-Version: 13", .. headers]);

    /// <summary>A raw connection past the 101: frames from here on.</summary>
    public static async Task<RawConnection> OpenRawAsync(string baseUrl, string target)
    {
        var connection = await RawConnection.OpenAsync(baseUrl);
        await connection.SendAsync(Handshake(baseUrl, target));
        var response = await connection.ReadResponseAsync();
        Assert.Equal(101, response.StatusCode);

        // §4.2.2 step 5.4: base64(SHA-1(key + GUID)); the RFC's own example.
        Assert.Equal("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", response.Header("Sec-WebSocket-Accept"));
        return connection;
    }

    /// <summary>Reads one server frame (never masked, §5.1); null when the connection ended.</summary>
    public static async Task<(int Opcode, bool Fin, byte[] Payload)?> ReadFrameAsync(this RawConnection connection, TimeSpan timeout)
    {
        var head = await connection.ReadAtMostAsync(2, timeout);
        if (head.Length < 2)
        {
            return null;
        }

        Assert.True((head[1] & 0x80) == 0, "a server frame was masked");
        long length = head[1] & 0x7F;
        if (length == 126)
        {
            length = BinaryPrimitives.ReadUInt16BigEndian(await connection.ReadAtMostAsync(2, timeout));
        }
        else if (length == 127)
        {
            length = (long)BinaryPrimitives.ReadUInt64BigEndian(await connection.ReadAtMostAsync(8, timeout));
        }

        var payload = await connection.ReadAtMostAsync((int)length, timeout);
        return (head[0] & 0x0F, (head[0] & 0x80) != 0, payload);
    }

    /// <summary>Writes one client frame, masked as §5.3 requires.</summary>
    public static Task WriteFrameAsync(this RawConnection connection, int opcode, byte[] payload, bool fin = true)
    {
        using var frame = new MemoryStream();
        frame.WriteByte((byte)((fin ? 0x80 : 0) | opcode));
        if (payload.Length < 126)
        {
            frame.WriteByte((byte)(0x80 | payload.Length));
        }
        else if (payload.Length <= ushort.MaxValue)
        {
            frame.WriteByte(0x80 | 126);
            frame.WriteByte((byte)(payload.Length >> 8));
            frame.WriteByte((byte)payload.Length);
        }
        else
        {
            frame.WriteByte(0x80 | 127);
            var length = new byte[8];
            BinaryPrimitives.WriteUInt64BigEndian(length, (ulong)payload.Length);
            frame.Write(length);
        }

        byte[] mask = [0x12, 0x34, 0x56, 0x78];
        frame.Write(mask);
        for (var i = 0; i < payload.Length; i++)
        {
            frame.WriteByte((byte)(payload[i] ^ mask[i % 4]));
        }

        return connection.SendAsync(frame.ToArray());
    }

    /// <summary>A Close frame's payload: the code, big-endian, then the UTF-8 reason (§5.5.1).</summary>
    public static byte[] ClosePayload(int code, string reason = "")
    {
        var payload = new byte[2 + Encoding.UTF8.GetByteCount(reason)];
        BinaryPrimitives.WriteUInt16BigEndian(payload, (ushort)code);
        Encoding.UTF8.GetBytes(reason, payload.AsSpan(2));
        return payload;
    }

    public static int CloseCode(byte[] payload) => payload.Length >= 2 ? BinaryPrimitives.ReadUInt16BigEndian(payload) : 1005;

    /// <summary>The JSON records the app made under <paramref name="id"/>, once there are at least <paramref name="count"/>.</summary>
    public static async Task<List<System.Text.Json.JsonElement>> RecordsAsync(this PythonFixture python, string baseUrl, string id, int count = 1)
    {
        var records = await python.Http.WaitForRecordsAsync(baseUrl, id, r => r.Count >= count);
        Assert.True(records.Count >= count, $"the app recorded {records.Count} of {count} under {id}: {string.Join(", ", records)}");
        return [.. records.Select(AppControl.Json)];
    }
}
