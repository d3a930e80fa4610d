using System.Buffers;
using System.Net.WebSockets;
using Dram.Python;

namespace Dram.Server.Asgi;

/// <summary>
/// Frames going out. .NET's WebSocket takes one send at a time, so sends form a chain on the
/// loop thread: a send starts at once when nothing is in flight (and, when the socket takes it
/// without waiting, send() returns a finished future), else it waits for the one before.
/// </summary>
internal sealed partial class AsgiWebSocket
{
    // How long to wait for the client's Close frame after sending ours (RFC 6455 §7.1.1: the
    // server should wait for it before closing the TCP connection); websockets' default close_timeout.
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(10);

    private Task _sendTail = Task.CompletedTask;
    private CancellationTokenSource? _closeTimer;

    /// <summary>
    /// Starts <paramref name="operation"/> or queues it behind the send in flight. With
    /// <paramref name="wantFuture"/> returns the app's awaitable (a new reference); otherwise a
    /// null reference (Dram's own close frames, which nobody awaits).
    /// </summary>
    private PyRef Enqueue(SendOperation operation, bool wantFuture)
    {
        if (_sendTail.IsCompleted && _socket is { } socket)
        {
            ValueTask started;
            try
            {
                started = operation.Start(socket);
            }
            catch (Exception e) when (IsConnectionGone(e))
            {
                operation.ReturnBuffer();
                return wantFuture ? throw ClientGone() : default;
            }
            catch (ArgumentException e)
            {
                operation.ReturnBuffer();
                return wantFuture ? throw ProtocolError(e.Message, PyErrorKind.ValueError) : default;
            }

            if (started.IsCompletedSuccessfully)
            {
                // The usual case: the frame went into Kestrel's pipe without waiting.
                started.GetAwaiter().GetResult();
                operation.ReturnBuffer();
                return wantFuture ? App.Loop.DoneNone.NewRef() : default;
            }

            var future = AttachFuture(operation, wantFuture);
            _sendTail = operation.FinishAsync(started);
            return future;
        }

        var queued = AttachFuture(operation, wantFuture);
        _sendTail = operation.RunAfterAsync(_sendTail);
        return queued;
    }

    private PyRef AttachFuture(SendOperation operation, bool wantFuture)
    {
        if (!wantFuture)
        {
            return default;
        }

        var future = App.Loop.CreateFuture();
        operation.Future = future.Borrow().NewRef();
        return future;
    }

    /// <summary>
    /// After our Close frame: the client has <see cref="CloseTimeout"/> to answer with its own,
    /// then the connection is aborted, which ends the reader. Any thread; the first call wins.
    /// </summary>
    private void ArmCloseTimeout(WebSocket socket)
    {
        var timer = new CancellationTokenSource();
        if (Interlocked.CompareExchange(ref _closeTimer, timer, null) is not null)
        {
            timer.Dispose();
            return;
        }

        timer.Token.UnsafeRegister(static state => ((WebSocket)state!).Abort(), socket);
        timer.CancelAfter(CloseTimeout);
    }

    /// <summary>
    /// One send that may outlive the send() call: a message (its bytes copied into a pooled
    /// buffer, since the app's object may go away), a Close frame, or a denial-body flush. When it
    /// finishes off the loop it is posted to the loop, which completes the app's future.
    /// </summary>
    private sealed class SendOperation : ILoopWork
    {
        private readonly Kind _kind;
        private readonly AsgiWebSocket _owner;
        private byte[]? _buffer;
        private int _length;
        private WebSocketMessageType _type;
        private int _code;
        private string _reason = "";

        private SendOperation(Kind kind, AsgiWebSocket owner)
        {
            _kind = kind;
            _owner = owner;
        }

        private enum Kind
        {
            Data,
            Close,
            Flush,
        }

        /// <summary>The app's future (owned here), or null when nobody awaits this send.</summary>
        public PyRef Future { get; set; }

        /// <summary>Set off the loop before the operation is posted: the connection was gone.</summary>
        public bool Failed { get; set; }

        /// <summary>Loop thread: copies <paramref name="payload"/> out of the app's object.</summary>
        public static SendOperation Data(AsgiWebSocket owner, ReadOnlySpan<byte> payload, WebSocketMessageType type)
        {
            var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(payload.Length, 1));
            payload.CopyTo(buffer);
            return new SendOperation(Kind.Data, owner) { _buffer = buffer, _length = payload.Length, _type = type };
        }

        public static SendOperation Close(AsgiWebSocket owner, int code, string reason) =>
            new(Kind.Close, owner) { _code = code, _reason = reason };

        public static SendOperation Flush(AsgiWebSocket owner) => new(Kind.Flush, owner);

        public ValueTask Start(WebSocket socket)
        {
            if (_kind == Kind.Close)
            {
                _owner.ArmCloseTimeout(socket);
                return new ValueTask(socket.CloseOutputAsync((WebSocketCloseStatus)_code, _reason, CancellationToken.None));
            }

            return socket.SendAsync(_buffer.AsMemory(0, _length), _type, endOfMessage: true, CancellationToken.None);
        }

        public void ReturnBuffer()
        {
            if (_buffer is { } buffer)
            {
                _buffer = null;
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        /// <summary>A .NET thread: waits for a send that did not finish at once.</summary>
        public async Task FinishAsync(ValueTask started)
        {
            try
            {
                await started.ConfigureAwait(false);
            }
            catch (Exception e) when (IsConnectionGone(e))
            {
                Failed = true;
            }

            Done();
        }

        /// <summary>A .NET thread: waits for the send before this one, then sends.</summary>
        public async Task RunAfterAsync(Task previous)
        {
            await previous.ConfigureAwait(false); // the chain's tasks never fault
            try
            {
                if (_owner._socket is { } socket)
                {
                    await Start(socket).ConfigureAwait(false);
                }
                else
                {
                    Failed = true; // the handshake failed
                }
            }
            catch (Exception e) when (IsConnectionGone(e) || e is ArgumentException)
            {
                Failed = true;
            }

            Done();
        }

        private void Done()
        {
            ReturnBuffer();
            if (Future.IsNull)
            {
                return;
            }

            _owner.App.Loop.Post(this);
        }

        /// <summary>The loop: completes the app's send(), with ClientDisconnected if the connection was gone.</summary>
        public void RunOnLoop(int kind)
        {
            var future = Future;
            Future = default;
            using (future)
            {
                var app = _owner.App;
                if (Failed)
                {
                    using var error = Py.Call(app.ClientDisconnectedType.Borrow(), AsgiNames.ClientGone.Borrow());
                    app.Loop.Fail(future.Borrow(), error.Borrow());
                }
                else
                {
                    app.Loop.Resolve(future.Borrow(), Py.None);
                }
            }
        }
    }
}
