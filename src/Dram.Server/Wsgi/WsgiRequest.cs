using Dram.Python;
using Dram.Server.Logging;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace Dram.Server.Wsgi;

/// <summary>
/// One request's trip through the app (PEP 3333), run entirely on a Python thread with the GIL
/// held: build environ, call the app, iterate its response into Kestrel's pipe, call close().
/// The Kestrel thread that queued it only awaits <see cref="Completion"/>; it never touches Python.
/// </summary>
internal sealed partial class WsgiRequest : IPythonWorkItem
{
    private readonly HttpContext _context;
    private readonly WsgiApp _app;
    private readonly ILogger _logger;
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _handle;
    private bool _endIncomplete;
    private int _timedOut;

    public WsgiRequest(HttpContext context, WsgiApp app, ILogger logger)
    {
        _context = context;
        _app = app;
        _logger = logger;
        Body = new RequestBody(context);
    }

    /// <summary>Completes when the response has been handed to Kestrel (or aborted).</summary>
    public Task Completion => _done.Task;

    public RequestBody Body { get; }

    public string Method => _context.Request.Method;

    public string Target => _context.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget;

    /// <summary>When a Python thread took the request (<see cref="Stopwatch"/> ticks), for --timeout.</summary>
    public long StartTimestamp { get; private set; }

    /// <summary>The Python thread running the request.</summary>
    public ulong PythonThreadId { get; private set; }

    public long Handle => _handle;

    /// <summary>Set (on py-main, with the GIL) once RequestTimeout has been raised in this request's thread.</summary>
    public bool TimeoutRaised { get; set; }

    /// <summary>True the first time only: the watchdog acts once per request.</summary>
    public bool TryMarkTimedOut() => Interlocked.Exchange(ref _timedOut, 1) == 0;

    public void Execute()
    {
        StartTimestamp = System.Diagnostics.Stopwatch.GetTimestamp();
        PythonThreadId = PyThreads.CurrentId();
        _handle = WsgiCallbacks.Requests.Add(this);
        var result = default(PyRef);
        try
        {
            result = CallApp();
            SendResponse(result.Borrow());
        }
        catch (PythonException e) when (e.TypeName == "RequestTimeout" && Volatile.Read(ref _timedOut) != 0)
        {
            // Logged when it was raised; the client gets 504 if nothing was sent (a gateway's
            // answer for "the upstream took too long"), else the response ends unfinished.
            Fail(e.Traceback.TrimEnd(), invalidResponse: false, status: StatusCodes.Status504GatewayTimeout);
        }
        catch (PythonException e)
        {
            Fail(e.Traceback.TrimEnd(), invalidResponse: false);
        }
        catch (InvalidResponseException e)
        {
            Fail(e.Message, invalidResponse: true);
        }
        catch (ResponseCompleteException)
        {
        }
        catch (ClientDisconnectedException)
        {
            Log.ClientDisconnected(_logger, Method, Target);
        }
        catch (Exception e)
        {
            Log.InternalError(_logger, e);
            Fail(e.Message, invalidResponse: true);
        }
        finally
        {
            // PEP 3333: close() is called whatever happened — success, app error or disconnect.
            if (!result.IsNull)
            {
                CloseIterable(result.Borrow());
                result.Dispose();
            }

            if (TimeoutRaised)
            {
                // Not fired yet (the thread never ran bytecode again): it must not hit the next request.
                PyThreads.ClearPending(PythonThreadId);
            }

            WsgiCallbacks.Requests.Remove(_handle);
            if (_endIncomplete)
            {
                _done.TrySetException(new ResponseIncompleteException());
            }
            else
            {
                _done.TrySetResult();
            }
        }
    }

    private PyRef CallApp()
    {
        var target = RequestTarget.Parse(Target);
        if (_context.Features.Get<Mounts.MountedPath>() is { } mounted)
        {
            target = target with { PathInfo = mounted.PathInfo, ScriptName = mounted.ScriptName };
        }

        using var handle = Py.Int(_handle);
        using var input = Py.Call(_app.InputType.Borrow(), handle.Borrow());
        using var environ = _app.Environ.Build(_context, target, input.Borrow(), DroppedHeader);
        using var startResponse = WsgiCallbacks.StartResponse.Bind(_handle);
        return Py.Call(_app.Callable.Borrow(), environ.Borrow(), startResponse.Borrow());
    }

    /// <summary>
    /// Ends the response unfinished: flushes what is buffered, then faults <see cref="Completion"/>.
    /// Kestrel treats a failure after the response started by sending nothing more (no final
    /// chunk) and closing the connection once its output is written; <c>HttpContext.Abort</c>
    /// would instead reset the connection and lose output not yet on the socket.
    /// </summary>
    private void EndIncomplete()
    {
        try
        {
            Flush();
        }
        catch (ClientDisconnectedException)
        {
            // Nothing left to deliver to.
        }

        _endIncomplete = true;
    }

    private void DroppedHeader(string name) => Log.DroppedUnderscoreHeader(_logger, name);

    private void CloseIterable(PyBorrowed result)
    {
        try
        {
            using var close = Py.TryGetAttr(result, WsgiNames.Close.Borrow());
            if (!close.IsNull)
            {
                using var _ = Py.Call(close.Borrow());
            }
        }
        catch (PythonException e)
        {
            Log.CloseError(_logger, Method, Target, e.Traceback.TrimEnd());
        }
    }

    /// <summary>
    /// An error before the response started becomes a 500 (or the status the body reader chose,
    /// such as 413) with a short page and no traceback for the client. After it started, what the
    /// app already produced is still delivered (PEP 3333: a yielded block must be sent), then the
    /// connection closes without completing the body (no final chunk, or fewer bytes than
    /// Content-Length), so the client cannot mistake a truncated body for a whole one.
    /// </summary>
    private void Fail(string detail, bool invalidResponse, int status = StatusCodes.Status500InternalServerError)
    {
        if (invalidResponse)
        {
            Log.InvalidResponse(_logger, Method, Target, detail);
        }
        else if (!_headersSent && Body.RejectedStatus is { } refused)
        {
            // The client's fault, not the app's: the body broke a limit (the app's read raised
            // OSError). One line says so; the app's traceback is only of interest when debugging.
            if (refused == StatusCodes.Status413PayloadTooLarge)
            {
                Log.ChunkedBodyTooLarge(BadRequestLog.Logger(_context), BadRequestLog.Describe(_context), _context.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize ?? 0);
            }

            Log.AppErrorAfterBodyRefused(_logger, Method, Target, refused, detail);
        }
        else if (!_headersSent)
        {
            Log.AppError(_logger, Method, Target, detail);
        }
        else
        {
            Log.AppErrorAfterStart(_logger, Method, Target, detail);
        }

        if (_headersSent || _context.Response.HasStarted)
        {
            EndIncomplete();
            return;
        }

        ErrorPage.Write(_context.Response, Body.RejectedStatus ?? status);
    }
}
