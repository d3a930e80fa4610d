using System.Buffers;
using System.IO.Pipelines;
using Dram.Python;
using Dram.Server.Logging;
using Dram.Server.Wsgi;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace Dram.Server.Asgi;

/// <summary>
/// One HTTP request through an ASGI app (ASGI HTTP spec): <c>receive()</c> hands the body over
/// in chunks straight from Kestrel's pipe, <c>send()</c> writes the response into Kestrel's pipe.
/// Nothing is read ahead of the app and a flush that waits makes <c>send()</c> wait, so memory
/// stays bounded both ways however large the body.
/// </summary>
internal sealed partial class AsgiHttpRequest : AsgiConnection
{
    // A receive() returns at most this much: Kestrel buffers up to 1 MiB of a body by default.
    private const int MaxChunk = 1024 * 1024;

    private const int ReadDoneEvent = FirstOwnEvent;
    private const int FlushDoneEvent = FirstOwnEvent + 1;
    private const int AbortedEvent = FirstOwnEvent + 2;
    private const int FileSentEvent = FirstOwnEvent + 3;
    private const int FinalFlushDoneEvent = FirstOwnEvent + 4;

    private readonly PipeReader _body;
    private readonly bool _canHaveBody;
    private bool _bodyDone;
    private bool _disconnected;
    private bool _readPending;
    private ReadResult _readResult;
    private Exception? _readError;
    private PyRef _pendingReceive;
    private bool _watchingAbort;
    private CancellationTokenRegistration _abortRegistration;
    private bool _finished;
    private bool? _settleWhenReadDone;
    private int? _rejectedStatus;

    public AsgiHttpRequest(HttpContext context, AsgiApp app, ILogger logger)
        : base(context, app, logger)
    {
        _body = context.Request.BodyReader;
        _canHaveBody = context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody ?? true;
    }

    protected override PyRef BuildScope() => App.Scope.Build(Context, webSocket: false, App.State.Borrow(), null);

    public override PyRef Receive()
    {
        if (_complete || _disconnected)
        {
            return Done(DisconnectMessage());
        }

        if (!_pendingReceive.IsNull && !IsDone(_pendingReceive.Borrow()))
        {
            throw ProtocolError("receive() called while an earlier receive() is still waiting");
        }

        _pendingReceive.Dispose();
        if (_bodyDone)
        {
            // All of the body was delivered: the next event is the client going away (or the
            // response completing), so this receive() waits for that.
            WatchAbort();
            _pendingReceive = App.Loop.CreateFuture();
            return _pendingReceive.Borrow().NewRef();
        }

        if (!_canHaveBody)
        {
            _bodyDone = true;
            return Done(RequestMessage(AsgiNames.EmptyBytes.Borrow().NewRef(), more: false));
        }

        try
        {
            if (_body.TryRead(out var result))
            {
                return Done(BodyMessage(result));
            }
        }
        catch (Exception e) when (IsReadFailure(e))
        {
            return Done(ReadFailed(e));
        }

        _pendingReceive = App.Loop.CreateFuture();
        _readPending = true;
        _ = ReadInBackground();
        return _pendingReceive.Borrow().NewRef();
    }

    private async Task ReadInBackground()
    {
        try
        {
            _readResult = await _body.ReadAsync().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            _readError = e;
        }

        Post(ReadDoneEvent);
    }

    protected override void OnEvent(int kind)
    {
        switch (kind)
        {
            case ReadDoneEvent:
                OnReadDone();
                break;
            case FlushDoneEvent:
                OnFlushDone();
                break;
            case FileSentEvent:
                OnFileSent();
                break;
            case AbortedEvent:
                OnAborted();
                break;
            case FinalFlushDoneEvent:
                Settle(ok: true);
                break;
            default:
                break;
        }
    }

    private void OnReadDone()
    {
        _readPending = false;
        var error = _readError;
        _readError = null;
        if (_finished || _settleWhenReadDone is not null || IsDone(_pendingReceive.Borrow()))
        {
            // Nobody wants these bytes now (the app ended, or cancelled its receive()): leave
            // them in the pipe, unconsumed.
            if (error is null)
            {
                _body.AdvanceTo(_readResult.Buffer.Start);
            }

            if (_settleWhenReadDone is { } ok)
            {
                _settleWhenReadDone = null;
                Settle(ok);
            }

            return;
        }

        using var message = error is null ? BodyMessage(_readResult) : ReadFailed(error);
        App.Loop.Resolve(_pendingReceive.Borrow(), message.Borrow());
    }

    private void OnAborted()
    {
        _disconnected = true;
        if (!_finished)
        {
            ResolvePendingReceiveWithDisconnect();
        }
    }

    private void ResolvePendingReceiveWithDisconnect()
    {
        if (!_pendingReceive.IsNull && !_readPending && !IsDone(_pendingReceive.Borrow()))
        {
            using var message = DisconnectMessage();
            App.Loop.Resolve(_pendingReceive.Borrow(), message.Borrow());
        }
    }

    /// <summary>From now on the client going away resolves a waiting receive() (ASGI: http.disconnect).</summary>
    private void WatchAbort()
    {
        if (_watchingAbort)
        {
            return;
        }

        _watchingAbort = true;
        _abortRegistration = Context.RequestAborted.UnsafeRegister(static state => ((AsgiHttpRequest)state!).Post(AbortedEvent), this);
    }

    /// <summary>A body message from what the pipe holds: at most <see cref="MaxChunk"/> bytes, copied once into a new bytes object.</summary>
    private PyRef BodyMessage(ReadResult result)
    {
        var buffer = result.Buffer;
        var take = (int)Math.Min(buffer.Length, MaxChunk);
        PyRef bytes;
        if (take == 0)
        {
            bytes = AsgiNames.EmptyBytes.Borrow().NewRef();
        }
        else
        {
            bytes = PyBytes.Allocate(take, out var span);
            buffer.Slice(0, take).CopyTo(span);
        }

        _body.AdvanceTo(buffer.GetPosition(take));
        var more = !(result.IsCompleted && take == buffer.Length);
        if (!more)
        {
            _bodyDone = true;
        }

        return RequestMessage(bytes, more);
    }

    private static bool IsReadFailure(Exception e) =>
        e is BadHttpRequestException or IOException or ConnectionResetException or OperationCanceledException or InvalidOperationException;

    /// <summary>
    /// The body cannot be read: a limit (Kestrel's 413 for a body over --max-request-body) or the
    /// client went away. Either way the app hears http.disconnect; a limit also sets the status
    /// Dram answers with if the app sends nothing.
    /// </summary>
    private PyRef ReadFailed(Exception e)
    {
        if (e is BadHttpRequestException bad)
        {
            _rejectedStatus = bad.StatusCode;
            if (bad.StatusCode == StatusCodes.Status413PayloadTooLarge)
            {
                // A chunked body over --max-request-body (a declared length over it never gets here: Admit).
                Log.ChunkedBodyTooLarge(BadRequestLog.Logger(Context), BadRequestLog.Describe(Context), Context.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize ?? 0);
            }
        }

        _disconnected = true;
        _bodyDone = true;
        return DisconnectMessage();
    }

    private static PyRef RequestMessage(PyRef body, bool more)
    {
        var message = Py.NewDict();
        var m = message.Borrow();
        Py.SetItem(m, AsgiNames.Type.Borrow(), AsgiNames.HttpRequest.Borrow());
        Py.SetItem(m, AsgiNames.Body.Borrow(), body);
        Py.SetItem(m, AsgiNames.MoreBody.Borrow(), more ? Py.True : Py.False);
        return message;
    }

    private static PyRef DisconnectMessage()
    {
        var message = Py.NewDict();
        Py.SetItem(message.Borrow(), AsgiNames.Type.Borrow(), AsgiNames.HttpDisconnect.Borrow());
        return message;
    }

    protected override void OnFinished(AppOutcome outcome, string detail)
    {
        _finished = true;
        if (_watchingAbort)
        {
            _abortRegistration.Unregister();
        }

        if (_complete)
        {
            // Kestrel already has the whole response; the app went on (background work) and ended.
            if (outcome == AppOutcome.Raised)
            {
                Log.AppErrorAfterResponse(Logger, Method, Target, detail.TrimEnd());
            }

            return;
        }

        if (_rejectedStatus is { } rejected && !_headersSent)
        {
            // The body broke a limit (413 from Kestrel): the app heard http.disconnect, and the
            // client hears why, whatever the app did next.
            RespondWithError(rejected);
            return;
        }

        switch (outcome)
        {
            case AppOutcome.Returned when !_headersSent:
                Log.AsgiNoResponse(Logger, Method, Target, _started ? "sending a response body" : "starting a response");
                RespondWithError(StatusCodes.Status500InternalServerError);
                break;
            case AppOutcome.Returned:
                Log.AsgiNoResponse(Logger, Method, Target, "completing its response");
                AbortAfterFlush();
                break;
            case AppOutcome.Cancelled when TimedOut:
                if (!_headersSent)
                {
                    RespondWithError(StatusCodes.Status504GatewayTimeout);
                }
                else
                {
                    AbortAfterFlush();
                }

                break;
            case AppOutcome.Disconnected:
                Log.ClientDisconnected(Logger, Method, Target);
                Settle(ok: false);
                break;
            default:
                if (!_headersSent)
                {
                    Log.AppError(Logger, Method, Target, outcome == AppOutcome.Cancelled ? "the app's task was cancelled" : detail.TrimEnd());
                    RespondWithError(_rejectedStatus ?? StatusCodes.Status500InternalServerError);
                }
                else
                {
                    Log.AppErrorAfterStart(Logger, Method, Target, detail.TrimEnd());
                    AbortAfterFlush();
                }

                break;
        }
    }

    protected override void Release()
    {
        _pendingReceive.Dispose();
        _pendingReceive = default;
        _pendingSend.Dispose();
        _pendingSend = default;
    }

    private void RespondWithError(int status)
    {
        if (!Context.Response.HasStarted)
        {
            Context.Response.Headers.Clear();
            ErrorPage.Write(Context.Response, status);
        }

        Settle(ok: true);
    }

    /// <summary>
    /// Lets Kestrel finish (or, with <paramref name="ok"/> false, close) the response, once no body
    /// read is pending: a read still in flight is cancelled first, since Kestrel drains the rest of
    /// the body itself when the request ends.
    /// </summary>
    private void Settle(bool ok)
    {
        if (_readPending)
        {
            _settleWhenReadDone = ok;
            _body.CancelPendingRead();
            return;
        }

        if (ok)
        {
            Complete();
        }
        else
        {
            Abort();
        }
    }

    /// <summary>The response started: push out what is buffered, then close without completing it.</summary>
    private void AbortAfterFlush()
    {
        try
        {
            var flush = Context.Response.BodyWriter.FlushAsync();
            if (!flush.IsCompleted)
            {
                _ = flush.AsTask().ContinueWith(_ => Abort(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                return;
            }
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or OperationCanceledException)
        {
            // Nothing left to deliver to.
        }

        Settle(ok: false);
    }
}
