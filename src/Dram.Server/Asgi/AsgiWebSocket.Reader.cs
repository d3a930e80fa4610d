using System.Buffers;
using System.Net.WebSockets;
using System.Threading.Channels;
using Dram.Python;
using Dram.Server.Logging;

namespace Dram.Server.Asgi;

/// <summary>
/// Frames coming in: one reader per connection, on .NET threads. It reassembles one whole message
/// (RFC 6455 §5.4 fragments; decompressed by .NET under permessage-deflate) into a pooled buffer
/// that grows up to --ws-max-size, posts it to the loop, and reads the next only once the app has
/// taken it. A message over the limit closes the connection with 1009 (§7.4.1), as uvicorn does.
/// </summary>
internal sealed partial class AsgiWebSocket
{
    private const int InitialBuffer = 4096;

    // A buffer grown past this for one large message goes back to the pool before the next read,
    // so an idle connection keeps only a small one.
    private const int KeptBuffer = 64 * 1024;

    // One item per message the loop has handed to the app (and one go-ahead after the accept).
    // A channel, not a SemaphoreSlim: its reader waits without allocating, and continues on the
    // thread pool, never on the loop thread that writes.
    private readonly Channel<bool> _taken = Channel.CreateUnbounded<bool>(new UnboundedChannelOptions { SingleReader = true });
    private WebSocket? _socket;
    private Task _reader = Task.CompletedTask;
    private volatile bool _appGone;

    // The message handed to the loop: written by the reader before MessageEvent, read by the loop,
    // and the reader's again once the loop releases _taken.
    private byte[] _message = [];
    private int _messageLength;
    private bool _messageText;
    private bool _messageReady; // loop thread

    // How the connection ended: written by the reader before ClosedEvent.
    private Ending _ending;
    private int _closeCode;
    private string _closeReason = "";

    private enum Ending
    {
        /// <summary>The client sent a Close frame (its code and reason).</summary>
        PeerClosed,

        /// <summary>A message over --ws-max-size: Dram closes with 1009.</summary>
        TooBig,

        /// <summary>The connection ended without a closing handshake (1006, §7.1.5), a failed ping included.</summary>
        Lost,
    }

    private async Task ReadLoopAsync(WebSocket socket)
    {
        var limit = (int)Math.Min(App.Options.WebSocketMaxSize, Array.MaxLength - 1);
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Min(InitialBuffer, limit + 1));
        var reported = false;
        try
        {
            while (true)
            {
                // Backpressure: the previous message must be the app's before this one is read.
                // Once the app has ended, or the connection is closing, frames are only drained.
                if (!reported && !_appGone)
                {
                    await _taken.Reader.ReadAsync().ConfigureAwait(false);
                }

                if (buffer.Length > KeptBuffer)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = ArrayPool<byte>.Shared.Rent(Math.Min(InitialBuffer, limit + 1));
                }

                var length = 0;
                var discard = reported || _appGone;
                ValueWebSocketReceiveResult result;
                while (true)
                {
                    var capacity = discard ? buffer.Length : Math.Min(buffer.Length, limit + 1);
                    if (length == capacity)
                    {
                        if (discard)
                        {
                            length = 0;
                        }
                        else
                        {
                            buffer = Grow(buffer, length, limit + 1);
                            capacity = Math.Min(buffer.Length, limit + 1);
                        }
                    }

                    result = await socket.ReceiveAsync(buffer.AsMemory(length, capacity - length), CancellationToken.None).ConfigureAwait(false);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        if (!reported)
                        {
                            Report(Ending.PeerClosed, (int?)socket.CloseStatus ?? NoStatusReceived, socket.CloseStatusDescription ?? "");
                        }

                        return;
                    }

                    length += result.Count;
                    if (!discard && length > limit)
                    {
                        Report(Ending.TooBig, MessageTooBig, "");
                        reported = discard = true;
                    }

                    if (result.EndOfMessage)
                    {
                        break;
                    }
                }

                if (discard)
                {
                    continue;
                }

                _message = buffer;
                _messageLength = length;
                _messageText = result.MessageType == WebSocketMessageType.Text;
                Post(MessageEvent);
            }
        }
        catch (Exception e)
        {
            if (!IsConnectionGone(e))
            {
                Log.InternalError(Logger, e);
            }

            if (!reported)
            {
                Report(Ending.Lost, AbnormalClosure, "");
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static byte[] Grow(byte[] buffer, int length, int max)
    {
        var bigger = ArrayPool<byte>.Shared.Rent((int)Math.Min(2L * buffer.Length, max));
        buffer.AsSpan(0, length).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(buffer);
        return bigger;
    }

    private void Report(Ending ending, int code, string reason)
    {
        _ending = ending;
        _closeCode = code;
        _closeReason = reason;
        Post(ClosedEvent);
    }

    /// <summary>The loop: the reader has a whole message for the app (websocket.receive).</summary>
    private PyRef TakeMessage()
    {
        _messageReady = false;
        try
        {
            var data = _message.AsSpan(0, _messageLength);
            var message = Py.NewDict();
            var m = message.Borrow();
            try
            {
                // Exactly one of text and bytes (ASGI "Receive - receive event"); .NET has already
                // checked a text message is valid UTF-8 (RFC 6455 §8.1).
                Py.SetItem(m, AsgiNames.Type.Borrow(), AsgiNames.WebSocketReceive.Borrow());
                if (_messageText)
                {
                    Py.SetItem(m, AsgiNames.Text.Borrow(), PyStr.FromUtf8(data));
                }
                else
                {
                    Py.SetItem(m, AsgiNames.Bytes.Borrow(), PyBytes.From(data));
                }

                return message;
            }
            catch
            {
                message.Dispose();
                throw;
            }
        }
        finally
        {
            _taken.Writer.TryWrite(true);
        }
    }

    /// <summary>The loop: a message nobody will take (the app closed or ended); the reader goes on.</summary>
    private void DropMessage()
    {
        if (_messageReady)
        {
            _messageReady = false;
            _taken.Writer.TryWrite(true);
        }
    }

    /// <summary>The loop: the reader has finished; the app hears websocket.disconnect, and a Close frame answers the client's.</summary>
    private void OnClosed()
    {
        if (_finished)
        {
            return;
        }

        switch (_ending)
        {
            case Ending.PeerClosed:
                // §5.5.1: an endpoint that receives a Close frame answers with one, typically
                // echoing the code it received.
                SendClose(_closeCode, "");
                break;
            case Ending.TooBig:
                SendClose(MessageTooBig, "message too big");
                break;
            default:
                break;
        }

        Disconnected(_closeCode, _closeReason);
    }

    /// <summary>The loop: Dram's own Close frame (not the app's), unless one was sent already.</summary>
    private void SendClose(int code, string reason)
    {
        if (_closeSent)
        {
            return;
        }

        _closeSent = true;
        Enqueue(SendOperation.Close(this, code, reason), wantFuture: false).Dispose();
    }
}
