using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Dram.Tests.Support;

/// <summary>One parsed HTTP/1.x response as it came off the wire.</summary>
public sealed class RawResponse
{
    public required string StatusLine { get; init; }
    public required string Version { get; init; }
    public required int StatusCode { get; init; }
    public required string Reason { get; init; }
    public required IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; }

    /// <summary>The status line and headers exactly as received, up to and including the blank line.</summary>
    public required byte[] HeadBytes { get; init; }

    /// <summary>The body (de-chunked when chunked), as much of it as arrived.</summary>
    public required byte[] Body { get; init; }

    /// <summary>The body as sent (chunk framing included).</summary>
    public required byte[] RawBody { get; init; }

    /// <summary>False when the connection ended before the body did (truncated response).</summary>
    public required bool Complete { get; init; }

    public string BodyText => Encoding.Latin1.GetString(Body);

    public string? Header(string name) =>
        Headers.Where(h => h.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value).FirstOrDefault();

    public bool HasHeader(string name) => Header(name) is not null;

    public bool IsChunked => Header("Transfer-Encoding")?.Contains("chunked", StringComparison.OrdinalIgnoreCase) == true;
}

/// <summary>
/// A raw TCP connection for byte-exact HTTP checks: send any bytes, parse responses by hand, see
/// exactly when the server closes. Reads time out instead of hanging the test.
/// </summary>
public sealed class RawConnection : IAsyncDisposable, IDisposable
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(15);

    private readonly Socket _socket;
    private byte[] _buffer = new byte[65536];
    private int _start;
    private int _end;
    private bool _eof;

    private RawConnection(Socket socket) => _socket = socket;

    public Socket Socket => _socket;

    public IPEndPoint LocalEndPoint => (IPEndPoint)_socket.LocalEndPoint!;

    /// <summary>True once the peer closed (or reset) the connection.</summary>
    public bool SawEof => _eof && _start == _end;

    /// <summary>True if the end came as a reset rather than an orderly close.</summary>
    public bool SawReset { get; private set; }

    public static async Task<RawConnection> OpenAsync(string baseUrl)
    {
        var uri = new Uri(baseUrl);
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(IPAddress.Parse(uri.Host), uri.Port).ConfigureAwait(false);
        return new RawConnection(socket);
    }

    /// <summary>Host header value for <paramref name="baseUrl"/>.</summary>
    public static string HostOf(string baseUrl) => new Uri(baseUrl).Authority;

    public Task SendAsync(string text) => SendAsync(Encoding.Latin1.GetBytes(text));

    public async Task SendAsync(ReadOnlyMemory<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            var sent = await _socket.SendAsync(bytes, SocketFlags.None).ConfigureAwait(false);
            bytes = bytes[sent..];
        }
    }

    /// <summary>
    /// Sends a chunked body of <paramref name="blocks"/> 64 KiB chunks and its last chunk, in the
    /// background: a server that refuses the body may answer and stop reading before it is all
    /// sent, and the send then ends quietly.
    /// </summary>
    public Task SendChunkedBodyInBackground(int blocks) => Task.Run(async () =>
    {
        var block = new byte[64 * 1024];
        try
        {
            for (var i = 0; i < blocks; i++)
            {
                await SendAsync($"{block.Length:x}\r\n").ConfigureAwait(false);
                await SendAsync(block).ConfigureAwait(false);
                await SendAsync("\r\n").ConfigureAwait(false);
            }

            await SendAsync("0\r\n\r\n").ConfigureAwait(false);
        }
        catch (SocketException)
        {
            // The server stopped reading: expected once it has refused the body.
        }
    });

    /// <summary>Closes the sending side (the server sees end of input) while still reading.</summary>
    public void ShutdownSend() => _socket.Shutdown(SocketShutdown.Send);

    /// <summary>Waits up to <paramref name="timeout"/> for at least one byte (or the end) to be readable.</summary>
    public async Task<bool> WaitForDataAsync(TimeSpan timeout)
    {
        if (_start < _end || _eof)
        {
            return true;
        }

        return await FillAsync(timeout).ConfigureAwait(false) || _eof;
    }

    /// <summary>
    /// Receives (without consuming) until the unread bytes contain <paramref name="needle"/> (latin-1);
    /// false if the connection ends or the time runs out first. A later read still sees those bytes.
    /// </summary>
    public async Task<bool> WaitUntilBufferedAsync(string needle, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var pattern = Encoding.Latin1.GetBytes(needle);
        while (true)
        {
            if (_buffer.AsSpan(_start, _end - _start).IndexOf(pattern) >= 0)
            {
                return true;
            }

            if (_eof || !await FillAsync(Remaining(deadline)).ConfigureAwait(false))
            {
                return _buffer.AsSpan(_start, _end - _start).IndexOf(pattern) >= 0;
            }
        }
    }

    /// <summary>Reads one CRLF- (or LF-) terminated line as latin-1, without the terminator; null at the end.</summary>
    public async Task<string?> ReadLineAsync(TimeSpan? timeout = null)
    {
        var bytes = await ReadLineBytesAsync(timeout ?? DefaultTimeout).ConfigureAwait(false);
        return bytes is null ? null : Encoding.Latin1.GetString(bytes).TrimEnd('\r', '\n');
    }

    /// <summary>Everything until the server closes the connection. Throws <see cref="TimeoutException"/> if it never does.</summary>
    public async Task<byte[]> ReadToEndAsync(TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        using var all = new MemoryStream();
        while (true)
        {
            if (_start < _end)
            {
                all.Write(_buffer, _start, _end - _start);
                _start = _end;
            }

            if (_eof)
            {
                return all.ToArray();
            }

            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || !await FillAsync(left).ConfigureAwait(false) && !_eof)
            {
                throw new TimeoutException($"the server did not close the connection; got {all.Length} bytes: {Preview(all.ToArray())}");
            }
        }
    }

    /// <summary>Up to <paramref name="count"/> bytes: fewer only if the connection ends first.</summary>
    public async Task<byte[]> ReadAtMostAsync(int count, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        using var got = new MemoryStream();
        while (got.Length < count)
        {
            if (_start < _end)
            {
                var take = (int)Math.Min(count - got.Length, _end - _start);
                got.Write(_buffer, _start, take);
                _start += take;
                continue;
            }

            if (_eof)
            {
                break;
            }

            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || !await FillAsync(left).ConfigureAwait(false) && !_eof)
            {
                throw new TimeoutException($"wanted {count} bytes, got {got.Length} before the time-out: {Preview(got.ToArray())}");
            }
        }

        return got.ToArray();
    }

    /// <summary>
    /// Reads one response. Interim (1xx) responses are returned on their own. The body is framed by
    /// chunking, Content-Length or the end of the connection; none for HEAD, 1xx, 204 and 304.
    /// Throws <see cref="EndOfStreamException"/> if the connection ends before a status line.
    /// </summary>
    public async Task<RawResponse> ReadResponseAsync(bool forHead = false, TimeSpan? timeout = null)
    {
        var limit = timeout ?? DefaultTimeout;
        var deadline = DateTime.UtcNow + limit;
        using var head = new MemoryStream();
        var statusBytes = await ReadLineBytesAsync(limit).ConfigureAwait(false)
            ?? throw new EndOfStreamException("the connection ended before a status line");
        head.Write(statusBytes);
        var statusLine = Encoding.Latin1.GetString(statusBytes).TrimEnd('\r', '\n');
        var parts = statusLine.Split(' ', 3);
        if (parts.Length < 2 || !int.TryParse(parts[1], out var code))
        {
            throw new InvalidDataException($"not a status line: {statusLine}");
        }

        var headers = new List<KeyValuePair<string, string>>();
        while (true)
        {
            var lineBytes = await ReadLineBytesAsync(Remaining(deadline)).ConfigureAwait(false)
                ?? throw new EndOfStreamException($"the connection ended inside the headers: {Preview(head.ToArray())}");
            head.Write(lineBytes);
            var line = Encoding.Latin1.GetString(lineBytes).TrimEnd('\r', '\n');
            if (line.Length == 0)
            {
                break;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            headers.Add(colon < 0
                ? new(line, string.Empty)
                : new(line[..colon], line[(colon + 1)..].Trim(' ', '\t')));
        }

        var response = new RawResponseBuilder(statusLine, parts[0], code, parts.Length > 2 ? parts[2] : string.Empty, headers, head.ToArray());
        if (forHead || code < 200 || code == 204 || code == 304)
        {
            return response.Build([], [], complete: true);
        }

        if (response.Chunked)
        {
            return await ReadChunkedAsync(response, deadline).ConfigureAwait(false);
        }

        if (response.ContentLength is long length)
        {
            var body = await ReadAtMostAsync((int)length, Remaining(deadline)).ConfigureAwait(false);
            return response.Build(body, body, complete: body.Length == length);
        }

        var rest = await ReadToEndAsync(Remaining(deadline)).ConfigureAwait(false);
        return response.Build(rest, rest, complete: true);
    }

    private async Task<RawResponse> ReadChunkedAsync(RawResponseBuilder response, DateTime deadline)
    {
        using var raw = new MemoryStream();
        using var body = new MemoryStream();
        while (true)
        {
            var sizeLine = await ReadLineBytesAsync(Remaining(deadline)).ConfigureAwait(false);
            if (sizeLine is null)
            {
                return response.Build(body.ToArray(), raw.ToArray(), complete: false);
            }

            raw.Write(sizeLine);
            var text = Encoding.Latin1.GetString(sizeLine).TrimEnd('\r', '\n');
            var semi = text.IndexOf(';', StringComparison.Ordinal);
            var size = Convert.ToInt32(semi < 0 ? text : text[..semi], 16);
            if (size == 0)
            {
                // Trailers (none expected) up to the blank line.
                while (true)
                {
                    var trailer = await ReadLineBytesAsync(Remaining(deadline)).ConfigureAwait(false);
                    if (trailer is null)
                    {
                        return response.Build(body.ToArray(), raw.ToArray(), complete: false);
                    }

                    raw.Write(trailer);
                    if (Encoding.Latin1.GetString(trailer).TrimEnd('\r', '\n').Length == 0)
                    {
                        return response.Build(body.ToArray(), raw.ToArray(), complete: true);
                    }
                }
            }

            var data = await ReadAtMostAsync(size + 2, Remaining(deadline)).ConfigureAwait(false);
            raw.Write(data);
            body.Write(data, 0, Math.Min(size, data.Length));
            if (data.Length < size + 2)
            {
                return response.Build(body.ToArray(), raw.ToArray(), complete: false);
            }
        }
    }

    private async Task<byte[]?> ReadLineBytesAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var scanned = _start;
        while (true)
        {
            var newline = Array.IndexOf(_buffer, (byte)'\n', scanned, _end - scanned);
            if (newline >= 0)
            {
                var line = _buffer[_start..(newline + 1)];
                _start = newline + 1;
                return line;
            }

            scanned = _end;
            if (_eof)
            {
                if (_start == _end)
                {
                    return null;
                }

                var partial = _buffer[_start.._end];
                _start = _end;
                return partial;
            }

            var before = _start;
            if (!await FillAsync(Remaining(deadline)).ConfigureAwait(false) && !_eof)
            {
                throw new TimeoutException($"no complete line before the time-out; have: {Preview(_buffer[_start.._end])}");
            }

            scanned -= before - _start; // FillAsync may have compacted the buffer
        }
    }

    /// <summary>Reads more into the buffer; false on time-out (or at the end, which sets the end flag).</summary>
    private async Task<bool> FillAsync(TimeSpan timeout)
    {
        if (_eof)
        {
            return false;
        }

        if (_start > 0)
        {
            Array.Copy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }

        if (_end == _buffer.Length)
        {
            Array.Resize(ref _buffer, _buffer.Length * 2);
        }

        if (timeout <= TimeSpan.Zero)
        {
            return false;
        }

        using var cts = new CancellationTokenSource(timeout);
        int read;
        try
        {
            read = await _socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None, cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted)
        {
            SawReset = true;
            _eof = true;
            return false;
        }

        if (read == 0)
        {
            _eof = true;
            return false;
        }

        _end += read;
        return true;
    }

    private static TimeSpan Remaining(DateTime deadline)
    {
        var left = deadline - DateTime.UtcNow;
        return left > TimeSpan.Zero ? left : TimeSpan.Zero;
    }

    public static string Preview(byte[] bytes, int max = 400)
    {
        var text = Encoding.Latin1.GetString(bytes, 0, Math.Min(bytes.Length, max));
        return text.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal)
            + (bytes.Length > max ? "..." : string.Empty);
    }

    public void Dispose() => _socket.Dispose();

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }

    private sealed class RawResponseBuilder(
        string statusLine, string version, int code, string reason, List<KeyValuePair<string, string>> headers, byte[] head)
    {
        public bool Chunked => headers.Any(h => h.Key.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase)
            && h.Value.Contains("chunked", StringComparison.OrdinalIgnoreCase));

        public long? ContentLength => headers
            .Where(h => h.Key.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            .Select(h => long.TryParse(h.Value, out var n) ? n : (long?)null)
            .FirstOrDefault();

        public RawResponse Build(byte[] body, byte[] rawBody, bool complete) => new()
        {
            StatusLine = statusLine,
            Version = version,
            StatusCode = code,
            Reason = reason,
            Headers = headers,
            HeadBytes = head,
            Body = body,
            RawBody = rawBody,
            Complete = complete,
        };
    }
}

/// <summary>Shorthands for building raw requests.</summary>
public static class RawRequests
{
    /// <summary>A GET with Host, and any extra header lines (each without CRLF).</summary>
    public static string Get(string baseUrl, string target, params string[] headers) =>
        Request("GET", baseUrl, target, headers);

    public static string Request(string method, string baseUrl, string target, params string[] headers)
    {
        var text = new StringBuilder();
        text.Append(method).Append(' ').Append(target).Append(" HTTP/1.1\r\n");
        text.Append("Host: ").Append(RawConnection.HostOf(baseUrl)).Append("\r\n");
        foreach (var header in headers)
        {
            text.Append(header).Append("\r\n");
        }

        return text.Append("\r\n").ToString();
    }

    /// <summary>Opens a connection, sends <paramref name="request"/>, reads one response.</summary>
    public static async Task<RawResponse> SendAsync(string baseUrl, string request, bool forHead = false)
    {
        await using var connection = await RawConnection.OpenAsync(baseUrl).ConfigureAwait(false);
        await connection.SendAsync(request).ConfigureAwait(false);
        return await connection.ReadResponseAsync(forHead).ConfigureAwait(false);
    }
}
