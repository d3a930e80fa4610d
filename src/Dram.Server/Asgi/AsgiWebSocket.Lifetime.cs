using System.Net.WebSockets;
using Dram.Server.Logging;
using Dram.Server.Wsgi;
using Microsoft.AspNetCore.Http;

namespace Dram.Server.Asgi;

/// <summary>
/// The end of the app call and of the connection. Before the accept the request is answered over
/// HTTP; after it the socket is closed the way uvicorn does (1000 when the app returned without
/// closing, 1011 when it raised), the client gets <see cref="CloseTimeout"/> to answer, and only
/// then does Kestrel end the request.
/// </summary>
internal sealed partial class AsgiWebSocket
{
    private int _endCode = NormalClosure;
    private bool _shutdownPending;

    protected override void OnFinished(AppOutcome outcome, string detail)
    {
        _finished = true;
        _appGone = true;
        var failed = outcome is AppOutcome.Raised or AppOutcome.Cancelled;
        var why = outcome == AppOutcome.Cancelled ? "the app's task was cancelled" : detail.TrimEnd();
        switch (_phase)
        {
            case Phase.Handshake:
                // An app that ends or fails before accepting refuses the handshake (403, as uvicorn).
                if (failed)
                {
                    Log.AppError(Logger, Method, Target, why);
                }

                Refuse(StatusCodes.Status403Forbidden);
                break;
            case Phase.Responding:
                if (failed)
                {
                    Log.AppError(Logger, Method, Target, why);
                }
                else
                {
                    Log.AsgiNoResponse(Logger, Method, Target, "completing its WebSocket denial response");
                }

                if (_denialHeadersSent)
                {
                    // Part of the body is out: the client must see it unfinished.
                    _abortRegistration.Dispose();
                    Abort();
                }
                else
                {
                    ErrorPage.Write(Context.Response, StatusCodes.Status500InternalServerError);
                    Refused();
                }

                break;
            case Phase.Refused:
                if (failed)
                {
                    Log.AppErrorAfterResponse(Logger, Method, Target, why);
                }

                break;
            default:
                if (failed)
                {
                    Log.AppError(Logger, Method, Target, why);
                }

                _endCode = failed ? InternalError : NormalClosure;
                if (_phase == Phase.Open)
                {
                    StartEnd();
                }

                // Accepting: OnAccepted calls StartEnd once the 101 is out (or failed).
                break;
        }
    }

    protected override void Release()
    {
        _pendingReceive.Dispose();
        _pendingReceive = default;
        _acceptFuture.Dispose();
        _acceptFuture = default;
    }

    /// <summary>The loop: server shutdown closes an open connection with 1012 (Service Restart), as uvicorn does.</summary>
    private void OnShutdown()
    {
        if (_phase == Phase.Accepting)
        {
            // The server began stopping while the 101 was being written: close once it is out.
            _shutdownPending = true;
            return;
        }

        if (_finished || _phase != Phase.Open || _disconnectCode is not null)
        {
            return;
        }

        SendClose(ServiceRestart, "");
        Disconnected(ServiceRestart, "");
    }

    /// <summary>The loop, once the app has ended after an accept: close and let go off the loop.</summary>
    private void StartEnd()
    {
        // A reader waiting for the app to take a message goes on to drain the connection instead.
        _taken.Writer.TryWrite(true);
        if (_socket is not { } socket)
        {
            // The handshake failed: nothing was upgraded.
            ReleaseRegistrations();
            Complete();
            return;
        }

        _ = EndAsync(socket, _sendTail, _endCode);
    }

    /// <summary>
    /// A .NET thread: after the sends in flight, closes the socket unless it is closed already
    /// (echoing the client's code if only the client closed), waits for the client's Close frame
    /// or the timeout, then ends the Kestrel request.
    /// </summary>
    private async Task EndAsync(WebSocket socket, Task sendTail, int code)
    {
        await sendTail.ConfigureAwait(false); // the chain's tasks never fault
        ArmCloseTimeout(socket);
        try
        {
            switch (socket.State)
            {
                case WebSocketState.Open:
                    await socket.CloseOutputAsync((WebSocketCloseStatus)code, "", CancellationToken.None).ConfigureAwait(false);
                    break;
                case WebSocketState.CloseReceived:
                    await socket.CloseOutputAsync(socket.CloseStatus ?? WebSocketCloseStatus.NormalClosure, "", CancellationToken.None).ConfigureAwait(false);
                    break;
                default:
                    break;
            }
        }
        catch (Exception e) when (IsConnectionGone(e))
        {
            // Gone already: nothing to close.
        }

        await _reader.ConfigureAwait(false); // never faults
        socket.Dispose();
        ReleaseRegistrations();
        Complete();
    }

    private void ReleaseRegistrations()
    {
        _abortRegistration.Dispose();
        _stoppingRegistration.Dispose();
        Interlocked.Exchange(ref _closeTimer, null)?.Dispose();
    }
}
