using System.Net.WebSockets;
using System.Text;
using Dram.Python;
using Dram.Server.Logging;
using Dram.Server.Wsgi;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Dram.Server.Asgi;

internal sealed partial class AsgiWebSocket
{
    private PyRef _acceptFuture;
    private bool _appClosed;
    private bool _closeSent;
    private Exception? _acceptError;
    private CancellationTokenRegistration _stoppingRegistration;

    /// <summary>The app's <c>send(message)</c> (ASGI WebSocket "Accept", "Send", "Close" and the denial response).</summary>
    public override PyRef Send(PyBorrowed message)
    {
        var type = MessageType(message);
        switch (type)
        {
            case "websocket.accept":
                return Accept(message);
            case "websocket.send":
                return SendData(message);
            case "websocket.close":
                return Close(message);
            case "websocket.http.response.start":
                return StartDenial(message);
            case "websocket.http.response.body":
                return DenialBody(message);
            default:
                throw ProtocolError($"unexpected ASGI message '{type}' on a websocket connection");
        }
    }

    /// <summary>
    /// websocket.accept {subprotocol, headers}: the 101 response (RFC 6455 §4.2.2) is written off
    /// the loop; send() completes once it is out, with ClientDisconnected if the client left first.
    /// </summary>
    private PyRef Accept(PyBorrowed message)
    {
        if (_phase != Phase.Handshake)
        {
            throw ProtocolError(_phase is Phase.Accepting or Phase.Open
                ? "websocket.accept sent twice"
                : "websocket.accept after the handshake was refused with an HTTP response");
        }

        string? subprotocol = null;
        var chosen = Py.GetItem(message, AsgiNames.Subprotocol.Borrow());
        if (!chosen.IsNull && !chosen.Is(Py.None))
        {
            if (!Py.IsStr(chosen))
            {
                throw ProtocolError("websocket.accept 'subprotocol' must be a str or None", PyErrorKind.TypeError);
            }

            subprotocol = PyStr.ToStringLossy(chosen);
        }

        var headers = ReadEndToEndHeaders(message, "websocket.accept");
        if (_disconnectCode is not null)
        {
            throw ClientGone();
        }

        // Extra headers go into the 101 response; the middleware sets Upgrade, Connection and
        // Sec-WebSocket-Accept itself (overwriting any the app gave).
        var responseHeaders = Context.Response.Headers;
        foreach (var (name, value) in headers)
        {
            responseHeaders.Append(name, value);
        }

        var options = App.Options;
        var accept = new WebSocketAcceptContext
        {
            SubProtocol = subprotocol,

            // permessage-deflate (RFC 7692) when the client offers it and --ws-per-message-deflate is on.
            DangerousEnableCompression = options.WebSocketPerMessageDeflate,
            KeepAliveInterval = options.WebSocketPingInterval,
            KeepAliveTimeout = PingTimeout(options),
        };
        _phase = Phase.Accepting;
        _acceptFuture = App.Loop.CreateFuture();

        // Sends the app queues before the 101 is out wait for it: the accept heads the send chain.
        _sendTail = Task.Run(() => AcceptAsync(accept));
        return _acceptFuture.Borrow().NewRef();
    }

    /// <summary>A .NET thread: writes the 101 response and starts the reader, then tells the loop.</summary>
    private async Task AcceptAsync(WebSocketAcceptContext accept)
    {
        try
        {
            var socket = await Context.WebSockets.AcceptWebSocketAsync(accept).ConfigureAwait(false);
            _socket = socket;
            if (Context.RequestServices.GetService<IHostApplicationLifetime>() is { } lifetime)
            {
                _stoppingRegistration = lifetime.ApplicationStopping.UnsafeRegister(static state => ((AsgiWebSocket)state!).Post(ShutdownEvent), this);
            }

            // The reader first waits for OnAccepted's go-ahead, so its first message event
            // cannot overtake the AcceptedEvent posted below.
            _reader = ReadLoopAsync(socket);
        }
        catch (Exception e)
        {
            if (!IsConnectionGone(e))
            {
                Log.InternalError(Logger, e);
            }

            _acceptError = e;
        }

        Post(AcceptedEvent);
    }

    /// <summary>The loop learns how the accept went.</summary>
    private void OnAccepted()
    {
        if (_acceptError is not null)
        {
            // The client left during the handshake: nothing was upgraded.
            _phase = Phase.Open;
            Disconnected(AbnormalClosure, "");
            if (!_finished)
            {
                using var error = ClientGoneError();
                App.Loop.Fail(_acceptFuture.Borrow(), error.Borrow());
            }
        }
        else
        {
            _phase = Phase.Open;
            _taken.Writer.TryWrite(true); // the reader may read the first message
            if (!_finished)
            {
                App.Loop.Resolve(_acceptFuture.Borrow(), Py.None);
            }

            if (_shutdownPending)
            {
                OnShutdown();
            }
        }

        if (_finished)
        {
            // The app ended while the 101 was being written.
            StartEnd();
        }
    }

    /// <summary>websocket.send {bytes | text}: one message, text as a text frame, bytes as binary (RFC 6455 §5.6).</summary>
    private PyRef SendData(PyBorrowed message)
    {
        CheckCanSend("websocket.send");
        var bytes = Py.GetItem(message, AsgiNames.Bytes.Borrow());
        var text = Py.GetItem(message, AsgiNames.Text.Borrow());
        var hasBytes = !bytes.IsNull && !bytes.Is(Py.None);
        var hasText = !text.IsNull && !text.Is(Py.None);
        if (hasBytes == hasText)
        {
            throw ProtocolError("websocket.send needs exactly one of 'bytes' and 'text'", PyErrorKind.ValueError);
        }

        ReadOnlySpan<byte> payload;
        if (hasBytes)
        {
            if (!PyBytes.TryGetSpan(bytes, out payload))
            {
                throw ProtocolError($"websocket.send 'bytes' must be bytes, not {Py.StrOrRepr(Py.TypeOfObject(bytes))}", PyErrorKind.TypeError);
            }
        }
        else if (!PyStr.TryGetUtf8(text, out payload))
        {
            throw ProtocolError(Py.IsStr(text)
                ? "websocket.send 'text' cannot be encoded as UTF-8 (a lone surrogate)"
                : $"websocket.send 'text' must be a str, not {Py.StrOrRepr(Py.TypeOfObject(text))}", PyErrorKind.TypeError);
        }

        if (_disconnectCode is not null)
        {
            throw ClientGone();
        }

        return Enqueue(SendOperation.Data(this, payload, hasText ? WebSocketMessageType.Text : WebSocketMessageType.Binary), wantFuture: true);
    }

    /// <summary>
    /// websocket.close {code, reason}: before the accept the handshake is refused with 403; after
    /// it a Close frame goes out (RFC 6455 §5.5.1) and the app's next receive() is
    /// websocket.disconnect with its own code.
    /// </summary>
    private PyRef Close(PyBorrowed message)
    {
        var code = NormalClosure;
        var codeItem = Py.GetItem(message, AsgiNames.Code.Borrow());
        if (!codeItem.IsNull && !codeItem.Is(Py.None))
        {
            if (!Py.IsInt(codeItem))
            {
                throw ProtocolError("websocket.close 'code' must be an int", PyErrorKind.TypeError);
            }

            var value = Py.AsLong(codeItem);
            if (value is < 1000 or > 4999 or 1004 or 1005 or 1006 or 1015)
            {
                // §7.4.1/§7.4.2: these codes must not appear in a Close frame.
                throw ProtocolError($"websocket.close code {value} cannot be sent in a Close frame", PyErrorKind.ValueError);
            }

            code = (int)value;
        }

        var reason = "";
        var reasonItem = Py.GetItem(message, AsgiNames.Reason.Borrow());
        if (!reasonItem.IsNull && !reasonItem.Is(Py.None))
        {
            if (!Py.IsStr(reasonItem))
            {
                throw ProtocolError("websocket.close 'reason' must be a str", PyErrorKind.TypeError);
            }

            reason = PyStr.ToStringLossy(reasonItem);
            if (Encoding.UTF8.GetByteCount(reason) > 123)
            {
                // §5.5: a control frame's payload is at most 125 bytes, 2 of them the code.
                throw ProtocolError("websocket.close 'reason' is longer than 123 bytes of UTF-8", PyErrorKind.ValueError);
            }
        }

        switch (_phase)
        {
            case Phase.Handshake:
                // Closing before accepting refuses the handshake: 403 (ASGI "Close - send event").
                Refuse(StatusCodes.Status403Forbidden);
                return App.Loop.DoneNone.NewRef();
            case Phase.Responding or Phase.Refused:
                throw ProtocolError("websocket.close after a denial response");
            default:
                break;
        }

        if (_appClosed)
        {
            throw ProtocolError("websocket.close sent twice");
        }

        _appClosed = true;
        if (_disconnectCode is not null)
        {
            // The client closed or left first: the connection is already closed, as the app wants.
            return App.Loop.DoneNone.NewRef();
        }

        _closeSent = true;
        Disconnected(code, reason);
        DropMessage();
        return Enqueue(SendOperation.Close(this, code, reason), wantFuture: true);
    }

    private void CheckCanSend(string what)
    {
        switch (_phase)
        {
            case Phase.Handshake:
                throw ProtocolError($"{what} before websocket.accept");
            case Phase.Responding or Phase.Refused:
                throw ProtocolError($"{what} after the handshake was refused with an HTTP response");
            default:
                break;
        }

        if (_appClosed)
        {
            throw ProtocolError($"{what} after websocket.close");
        }
    }

    /// <summary>The optional 'headers' of an accept or denial, without hop-by-hop ones: framing and the connection are Kestrel's (RFC 9110 §7.6.1).</summary>
    private List<(string Name, string Value)> ReadEndToEndHeaders(PyBorrowed message, string what) =>
        [.. ReadHeaders(message, what).Where(header => !HeaderRules.IsHopByHop(header.Name))];
}
