using System.Diagnostics;
using System.Text;
using Dram.Python;
using Dram.Server.Logging;
using Dram.Server.Wsgi;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace Dram.Server.Asgi;

/// <summary>
/// One ASGI connection scope (an HTTP request or a WebSocket) and the task running the app on it.
/// A Kestrel thread creates it and posts it to the loop; everything else happens on the loop
/// thread with the GIL held, driven by the app's <c>receive()</c>/<c>send()</c> calls and by
/// events .NET posts (a body read finished, a flush finished, the client went away). The Kestrel
/// thread only awaits <see cref="Completion"/>.
/// </summary>
internal abstract class AsgiConnection : ILoopWork
{
    /// <summary>Event kinds every connection handles; subclasses number theirs from <see cref="FirstOwnEvent"/>.</summary>
    protected const int StartEvent = 0;
    protected const int CancelEvent = 1;
    protected const int FirstOwnEvent = 2;

    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private PyRef _task;
    private int _timedOut;
    private long _posted;

    protected AsgiConnection(HttpContext context, AsgiApp app, ILogger logger)
    {
        Context = context;
        App = app;
        Logger = logger;
        Method = context.Request.Method;
        Target = context.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget;
    }

    protected HttpContext Context { get; }

    protected AsgiApp App { get; }

    /// <summary>The app this connection belongs to (one test process may run several servers).</summary>
    public AsgiApp Application => App;

    protected ILogger Logger { get; }

    public string Method { get; }

    public string Target { get; }

    public long Handle { get; private set; }

    /// <summary>When the app was called (<see cref="Stopwatch"/> ticks), for --timeout.</summary>
    public long StartTimestamp { get; private set; }

    /// <summary>Completes when Kestrel may finish the response; faults when the connection must close unfinished.</summary>
    public Task Completion => _done.Task;

    /// <summary>Set once --timeout cancelled the task: a CancelledError then means 504.</summary>
    protected bool TimedOut => Volatile.Read(ref _timedOut) != 0;

    /// <summary>True the first time only: the watchdog acts once per connection.</summary>
    public bool TryMarkTimedOut() => Interlocked.Exchange(ref _timedOut, 1) == 0;

    /// <summary>Any thread: hands this connection to the loop, which calls the app.</summary>
    public void Post(int kind = StartEvent)
    {
        if (kind == StartEvent && App.Metrics is not null)
        {
            _posted = Stopwatch.GetTimestamp();
        }

        App.Loop.Post(this, kind);
    }

    /// <summary>Any thread: asks the loop to cancel the app's task (--timeout).</summary>
    public void Cancel() => App.Loop.Post(this, CancelEvent);

    public void RunOnLoop(int kind)
    {
        switch (kind)
        {
            case StartEvent:
                Start();
                break;
            case CancelEvent:
                if (!_task.IsNull)
                {
                    using var _ = Py.CallMethod(_task.Borrow(), "cancel");
                }

                break;
            default:
                OnEvent(kind);
                break;
        }
    }

    private void Start()
    {
        StartTimestamp = Stopwatch.GetTimestamp();
        App.Metrics?.ObserveQueueWait(StartTimestamp - _posted);
        Handle = AsgiCallbacks.Connections.Add(this);
        try
        {
            using var scope = BuildScope();
            using var receive = AsgiCallbacks.Receive.Bind(Handle);
            using var send = AsgiCallbacks.Send.Bind(Handle);
            using var handle = Py.Int(Handle);
            using var coroutine = Py.Call(App.Runner.Borrow(), [App.Callable.Borrow(), scope.Borrow(), receive.Borrow(), send.Borrow(), handle.Borrow()]);
            _task = App.Loop.CreateTask(coroutine.Borrow());
        }
        catch (PythonException e)
        {
            Finished(AppOutcome.Raised, e.Traceback);
        }
        catch (Exception e)
        {
            Log.InternalError(Logger, e);
            Finished(AppOutcome.Raised, e.Message);
        }
    }

    protected abstract PyRef BuildScope();

    /// <summary>The app's <c>receive()</c>: an awaitable for the next event.</summary>
    public abstract PyRef Receive();

    /// <summary>The app's <c>send(message)</c>: an awaitable that completes when the message is handed on.</summary>
    public abstract PyRef Send(PyBorrowed message);

    /// <summary>An event this subclass posted for itself.</summary>
    protected abstract void OnEvent(int kind);

    /// <summary>The app call ended: finish or abort the response, then let go of everything.</summary>
    public void Finished(AppOutcome outcome, string detail)
    {
        try
        {
            OnFinished(outcome, detail);
        }
        catch (Exception e)
        {
            Log.InternalError(Logger, e);
            Abort();
        }
        finally
        {
            AsgiCallbacks.Connections.Remove(Handle);
            _task.Dispose();
            _task = default;
            Release();
        }
    }

    protected abstract void OnFinished(AppOutcome outcome, string detail);

    /// <summary>Releases the connection's own Python references (loop thread, GIL held).</summary>
    protected virtual void Release()
    {
    }

    /// <summary>Kestrel may complete the response now; the app may still be running (background work after the last body).</summary>
    protected void Complete() => _done.TrySetResult();

    /// <summary>The response cannot be completed: Kestrel closes the connection after what was written.</summary>
    protected void Abort() => _done.TrySetException(new Wsgi.ResponseIncompleteException());

    /// <summary>A RuntimeError (or another error type) for the app, logged as a protocol error: the app broke the ASGI message rules.</summary>
    protected PyRaiseException ProtocolError(string message, PyErrorKind kind = PyErrorKind.RuntimeError)
    {
        Log.AsgiProtocolError(Logger, Method, Target, message);
        return new PyRaiseException(kind, message);
    }

    /// <summary>An already-resolved future holding <paramref name="message"/> (released here): awaiting it returns at once.</summary>
    protected PyRef Done(PyRef message)
    {
        using (message)
        {
            return App.Loop.Done(message.Borrow());
        }
    }

    /// <summary>True when there is no future or it is resolved or cancelled (the app may cancel a receive()).</summary>
    protected static bool IsDone(PyBorrowed future)
    {
        if (future.IsNull)
        {
            return true;
        }

        using var done = Py.CallMethod(future, "done");
        return Py.IsTrue(done.Borrow());
    }

    /// <summary>send() on a closed connection: the app's ClientDisconnected, an OSError (spec 2.4).</summary>
    protected PyErrorAlreadySetException ClientGone() => Py.Raise(App.ClientDisconnectedType.Borrow(), "client disconnected");

    /// <summary>A ClientDisconnected instance, for failing a future the app awaits.</summary>
    protected PyRef ClientGoneError() => Py.Call(App.ClientDisconnectedType.Borrow(), AsgiNames.ClientGone.Borrow());

    /// <summary>
    /// A message's optional 'headers' ([name, value] byte-string pairs), checked as HTTP requires
    /// (RFC 9110 §5: a token name, no CR/LF or other control characters in the value); errors name
    /// <paramref name="what"/> ("response", "websocket.accept"). Which headers to keep is the caller's.
    /// </summary>
    protected List<(string Name, string Value)> ReadHeaders(PyBorrowed message, string what)
    {
        var headers = new List<(string, string)>();
        var list = Py.GetItem(message, AsgiNames.Headers.Borrow());
        if (list.IsNull || list.Is(Py.None))
        {
            return headers;
        }

        using var iterator = Py.GetIter(list);
        while (Py.Next(iterator.Borrow(), out var item))
        {
            using (item)
            {
                if (Py.SequenceLength(item.Borrow()) != 2)
                {
                    throw ProtocolError($"each {what} header must be a [name, value] pair", PyErrorKind.ValueError);
                }

                using var name = Py.SequenceItem(item.Borrow(), 0);
                using var value = Py.SequenceItem(item.Borrow(), 1);
                if (!PyBytes.TryGetSpan(name.Borrow(), out var nameBytes) || !PyBytes.TryGetSpan(value.Borrow(), out var valueBytes))
                {
                    throw ProtocolError($"{what} header names and values must be bytes", PyErrorKind.TypeError);
                }

                var headerName = Encoding.Latin1.GetString(nameBytes);
                var headerValue = Encoding.Latin1.GetString(valueBytes);
                if (!HeaderRules.IsToken(headerName))
                {
                    throw ProtocolError($"invalid {what} header name {headerName}", PyErrorKind.ValueError);
                }

                if (HeaderRules.FindInvalidValueChar(headerValue) >= 0)
                {
                    throw ProtocolError($"invalid character in the value of {what} header {headerName}", PyErrorKind.ValueError);
                }

                headers.Add((headerName, headerValue));
            }
        }

        return headers;
    }

    /// <summary>The app's message type, or a clear error when it has none.</summary>
    protected string MessageType(PyBorrowed message)
    {
        if (!Py.IsDict(message))
        {
            throw ProtocolError($"send() takes a dict, not {Py.StrOrRepr(Py.TypeOfObject(message))}", PyErrorKind.TypeError);
        }

        var type = Py.GetItem(message, AsgiNames.Type.Borrow());
        if (type.IsNull || !Py.IsStr(type))
        {
            throw ProtocolError("the message has no 'type' string", PyErrorKind.ValueError);
        }

        return PyStr.ToStringLossy(type);
    }
}
