using System.Net.WebSockets;
using Dram.Python;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Dram.Server.Asgi;

/// <summary>
/// One WebSocket connection through an ASGI app (ASGI HTTP &amp; WebSocket spec 2.4, "WebSocket").
/// The loop thread answers the app's <c>receive()</c>/<c>send()</c>; .NET does the rest off it:
/// the handshake (<see cref="AcceptAsync"/>), one background reader that reassembles one whole
/// message at a time and waits until the app has taken it (at most one message read ahead, so a
/// slow app bounds the memory a fast client can use), and sends that did not finish at once.
/// Each of those posts an event; only the loop touches Python.
/// </summary>
/// <remarks>
/// Files: this one holds the state and <c>receive()</c>; <c>.Send.cs</c> the app's messages;
/// <c>.Denial.cs</c> the answers that refuse the handshake; <c>.Reader.cs</c> the reader;
/// <c>.Sending.cs</c> sends on the wire; <c>.Lifetime.cs</c> the end of the app call and of the socket.
/// </remarks>
internal sealed partial class AsgiWebSocket : AsgiConnection
{
    private const int AcceptedEvent = FirstOwnEvent;
    private const int MessageEvent = FirstOwnEvent + 1;
    private const int ClosedEvent = FirstOwnEvent + 2;
    private const int AbortedEvent = FirstOwnEvent + 3;
    private const int ShutdownEvent = FirstOwnEvent + 4;

    // RFC 6455 §7.4.1 close codes Dram uses itself.
    private const int NormalClosure = 1000;
    private const int NoStatusReceived = 1005; // never on the wire: a Close frame without a code
    private const int AbnormalClosure = 1006; // never on the wire: the connection ended without a close frame
    private const int MessageTooBig = 1009;
    private const int InternalError = 1011;
    private const int ServiceRestart = 1012;

    private Phase _phase;
    private bool _connectDelivered;
    private bool _finished;
    private PyRef _pendingReceive;

    // Set once the app will hear nothing but websocket.disconnect: the client closed or went away,
    // the handshake was refused, or the app closed the socket itself.
    private int? _disconnectCode;
    private string _disconnectReason = "";

    private CancellationTokenRegistration _abortRegistration;

    public AsgiWebSocket(HttpContext context, AsgiApp app, ILogger logger)
        : base(context, app, logger)
    {
    }

    /// <summary>Where the connection is, as the loop thread sees it.</summary>
    private enum Phase
    {
        /// <summary>Before websocket.accept or a refusal: still a plain HTTP request.</summary>
        Handshake,

        /// <summary>websocket.accept sent; the 101 response is being written.</summary>
        Accepting,

        /// <summary>Upgraded: messages flow until both sides have closed (RFC 6455 §7).</summary>
        Open,

        /// <summary>A denial response (websocket.http.response.start) whose body is not finished.</summary>
        Responding,

        /// <summary>Refused with an HTTP response; Kestrel has it all.</summary>
        Refused,
    }

    /// <summary>
    /// Kestrel's WebSocket middleware options: the ping interval and timeout (--ws-ping-interval,
    /// --ws-ping-timeout). With a timeout .NET sends PING frames and aborts the connection when no
    /// PONG comes back in time (RFC 6455 §5.5.2, .NET 9+); a zero timeout means "wait forever",
    /// and .NET then keeps the connection alive with unsolicited PONG frames (§5.5.3) instead.
    /// </summary>
    public static WebSocketOptions Options(DramServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new()
        {
            KeepAliveInterval = options.WebSocketPingInterval,
            KeepAliveTimeout = PingTimeout(options),
        };
    }

    private static TimeSpan PingTimeout(DramServerOptions options) =>
        options.WebSocketPingTimeout > TimeSpan.Zero ? options.WebSocketPingTimeout : Timeout.InfiniteTimeSpan;

    protected override PyRef BuildScope()
    {
        // Until the handshake is answered the client going away is only visible as Kestrel's
        // RequestAborted; afterwards the reader sees it.
        _abortRegistration = Context.RequestAborted.UnsafeRegister(static state => ((AsgiWebSocket)state!).Post(AbortedEvent), this);
        return App.Scope.Build(Context, webSocket: true, App.State.Borrow(), [.. Context.WebSockets.WebSocketRequestedProtocols]);
    }

    /// <summary>
    /// The app's <c>receive()</c>: websocket.connect first (at once), then the client's messages
    /// in order, then websocket.disconnect once the connection is gone.
    /// </summary>
    public override PyRef Receive()
    {
        if (!_connectDelivered)
        {
            _connectDelivered = true;
            return Done(ConnectMessage());
        }

        if (!_pendingReceive.IsNull && !IsDone(_pendingReceive.Borrow()))
        {
            throw ProtocolError("receive() called while an earlier receive() is still waiting");
        }

        _pendingReceive.Dispose();
        if (_messageReady && !_appClosed)
        {
            return Done(TakeMessage());
        }

        if (_disconnectCode is not null)
        {
            return Done(DisconnectMessage());
        }

        // Before the accept this waits too: the first message or the disconnect resolves it.
        _pendingReceive = App.Loop.CreateFuture();
        return _pendingReceive.Borrow().NewRef();
    }

    protected override void OnEvent(int kind)
    {
        switch (kind)
        {
            case AcceptedEvent:
                OnAccepted();
                break;
            case MessageEvent:
                OnMessage();
                break;
            case ClosedEvent:
                OnClosed();
                break;
            case AbortedEvent:
                OnAborted();
                break;
            case ShutdownEvent:
                OnShutdown();
                break;
            default:
                break;
        }
    }

    /// <summary>The reader has a whole message: straight to a waiting receive(), else kept until the next one.</summary>
    private void OnMessage()
    {
        _messageReady = true;
        if (_finished || _appClosed)
        {
            // RFC 6455 §5.5.1: after sending a Close frame an endpoint may drop further data.
            DropMessage();
            return;
        }

        if (!_pendingReceive.IsNull && !IsDone(_pendingReceive.Borrow()))
        {
            using var message = TakeMessage();
            App.Loop.Resolve(_pendingReceive.Borrow(), message.Borrow());
        }
    }

    /// <summary>The client went away before the handshake was answered (after it, the reader reports it).</summary>
    private void OnAborted()
    {
        if (_finished || _phase is not (Phase.Handshake or Phase.Responding))
        {
            return;
        }

        Disconnected(AbnormalClosure, "");
    }

    /// <summary>From now on the app hears websocket.disconnect; a receive() already waiting hears it now.</summary>
    private void Disconnected(int code, string reason)
    {
        if (_disconnectCode is not null)
        {
            return;
        }

        _disconnectCode = code;
        _disconnectReason = reason;
        if (!_finished && !_pendingReceive.IsNull && !IsDone(_pendingReceive.Borrow()))
        {
            using var message = DisconnectMessage();
            App.Loop.Resolve(_pendingReceive.Borrow(), message.Borrow());
        }
    }

    private static PyRef ConnectMessage()
    {
        var message = Py.NewDict();
        Py.SetItem(message.Borrow(), AsgiNames.Type.Borrow(), AsgiNames.WebSocketConnect.Borrow());
        return message;
    }

    /// <summary>websocket.disconnect with the close code (1006 when the connection just ended) and reason.</summary>
    private PyRef DisconnectMessage()
    {
        var message = Py.NewDict();
        var m = message.Borrow();
        Py.SetItem(m, AsgiNames.Type.Borrow(), AsgiNames.WebSocketDisconnect.Borrow());
        Py.SetItem(m, AsgiNames.Code.Borrow(), Py.Int(_disconnectCode ?? AbnormalClosure));
        Py.SetItem(m, AsgiNames.Reason.Borrow(), _disconnectReason.Length == 0 ? AsgiNames.Empty.Borrow().NewRef() : PyStr.FromString(_disconnectReason));
        return message;
    }

    /// <summary>True for the ways a socket call fails once the connection is gone.</summary>
    private static bool IsConnectionGone(Exception e) =>
        e is WebSocketException or IOException or ObjectDisposedException or OperationCanceledException or InvalidOperationException;
}
