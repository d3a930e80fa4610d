using System.Collections.Concurrent;
using Dram.Python.Native;

namespace Dram.Python;

/// <summary>Work for the event loop thread: runs on py-main with the GIL held, inside the running loop.</summary>
public interface ILoopWork
{
    /// <param name="kind">What happened, in the item's own terms (one object can receive several kinds of event).</param>
    void RunOnLoop(int kind);
}

/// <summary>
/// The process's asyncio event loop (uvloop when available), running on py-main, the thread that
/// started the interpreter, so signal handling and <c>threading.main_thread()</c> behave as apps
/// expect. One per process, like the interpreter; started by the first ASGI app and kept for the
/// process's life.
/// </summary>
/// <remarks>
/// Any thread hands work to the loop with <see cref="Post"/>: a lock-free queue plus an eventfd the
/// loop watches with <c>add_reader</c>. Only the post that finds the loop idle writes the eventfd,
/// so a burst of events costs one wake-up and one read (research/embedding.md §7.7; stock asyncio
/// writes to a socket on every <c>call_soon_threadsafe</c>). While the loop runs, py-main's other
/// jobs (<see cref="PythonRuntime.PostToMainThread"/>) are run by the same drain.
/// </remarks>
public sealed class PythonEventLoop
{
    private static readonly Lock s_startLock = new();
    private static PythonEventLoop? s_current;

    private readonly ConcurrentQueue<(ILoopWork Work, int Kind)> _inbox = new();
    private readonly PythonRuntime _runtime;
    private readonly int _eventFd;
    private readonly Action<Exception> _onError;
    private int _signalled;
    private PyRef _module;
    private PyRef _loop;
    private PyRef _createFuture;
    private PyRef _createTask;
    private PyRef _resolve;
    private PyRef _fail;
    private PyRef _doneFuture;
    private PyRef _doneNone;

    private PythonEventLoop(PythonRuntime runtime, Action<Exception> onError)
    {
        _runtime = runtime;
        _onError = onError;
        _eventFd = EventFd.Create();
    }

    /// <summary>"uvloop" or "asyncio".</summary>
    public string Implementation { get; private set; } = "";

    /// <summary>The loop object. GIL required.</summary>
    public PyBorrowed Loop => _loop.Borrow();

    /// <summary>An already-resolved future with result None, shared: awaiting it returns at once.</summary>
    public PyBorrowed DoneNone => _doneNone.Borrow();

    /// <summary>
    /// Starts the loop on py-main (once per process) and returns it. <paramref name="kind"/> is
    /// "auto", "asyncio" or "uvloop"; a later call gets the running loop whatever it asks for.
    /// Throws <see cref="PythonException"/> when the loop cannot be created (uvloop missing).
    /// </summary>
    public static PythonEventLoop Start(PythonRuntime runtime, string kind, Action<Exception> onError)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        lock (s_startLock)
        {
            if (s_current is { } running)
            {
                return running;
            }

            var loop = new PythonEventLoop(runtime, onError);
            var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            runtime.RunOnMainThread(() =>
            {
                loop.Create(kind);
                return 0;
            });
            runtime.PostToMainThread(() => loop.Run(started));
            started.Task.GetAwaiter().GetResult();
            s_current = loop;
            return loop;
        }
    }

    /// <summary>Queues <paramref name="work"/> for the loop. Any thread; never touches Python.</summary>
    public void Post(ILoopWork work, int kind = 0)
    {
        _inbox.Enqueue((work, kind));
        if (Interlocked.Exchange(ref _signalled, 1) == 0)
        {
            EventFd.Signal(_eventFd);
        }
    }

    /// <summary>Queues an action for the loop thread (GIL held there). For rare work; hot paths post an <see cref="ILoopWork"/>.</summary>
    public void Post(Action action) => Post(new LoopAction(action));

    /// <summary>A new pending future of this loop. Loop thread only.</summary>
    public PyRef CreateFuture() => Py.Call(_createFuture.Borrow());

    /// <summary>An already-resolved future holding <paramref name="value"/>. Loop thread only.</summary>
    public PyRef Done(PyBorrowed value) => Py.Call(_doneFuture.Borrow(), _loop.Borrow(), value);

    /// <summary>Schedules a coroutine as a task and returns the task. Loop thread only.</summary>
    public PyRef CreateTask(PyBorrowed coroutine) => Py.Call(_createTask.Borrow(), coroutine);

    /// <summary>Sets a future's result unless it is already done (cancelled by the app). Loop thread only.</summary>
    public void Resolve(PyBorrowed future, PyBorrowed value)
    {
        using var _ = Py.Call(_resolve.Borrow(), future, value);
    }

    /// <summary>Sets a future's exception unless it is already done. Loop thread only.</summary>
    public void Fail(PyBorrowed future, PyBorrowed exception)
    {
        using var _ = Py.Call(_fail.Borrow(), future, exception);
    }

    private void Create(string kind)
    {
        _module = Bootstrap.LoadModule(typeof(PythonEventLoop).Assembly, "dram_loop.py", "_dram_loop");
        using var newLoop = Py.GetAttr(_module.Borrow(), "new_loop");
        using var kindStr = PyStr.FromString(kind);
        using var pair = Py.Call(newLoop.Borrow(), kindStr.Borrow());
        _loop = Py.TupleItem(pair.Borrow(), 0).NewRef();
        Implementation = PyStr.ToStringLossy(Py.TupleItem(pair.Borrow(), 1));
        _createFuture = Py.GetAttr(_loop.Borrow(), "create_future");
        _createTask = Py.GetAttr(_loop.Borrow(), "create_task");
        _resolve = Py.GetAttr(_module.Borrow(), "resolve");
        _fail = Py.GetAttr(_module.Borrow(), "fail");
        _doneFuture = Py.GetAttr(_module.Borrow(), "done_future");
        _doneNone = Done(Py.None);
    }

    /// <summary>py-main, GIL held: runs the loop until the process ends.</summary>
    private void Run(TaskCompletionSource started)
    {
        try
        {
            var drain = NativeFunction.Register("_drain", [], 0, (_, _) =>
            {
                Drain();
                return default;
            });
            var onStarted = NativeFunction.Register("_started", [], 0, (_, _) =>
            {
                _runtime.AttachLoop(() => EventFd.Signal(_eventFd));
                started.TrySetResult();
                return default;
            });
            using var run = Py.GetAttr(_module.Borrow(), "run");
            using var drainFunction = drain.Bind(0);
            using var startedFunction = onStarted.Bind(0);
            using var fd = Py.Int(_eventFd);
            using var _ = Py.Call(run.Borrow(), [_loop.Borrow(), fd.Borrow(), drainFunction.Borrow(), startedFunction.Borrow()]);
        }
        catch (Exception e)
        {
            started.TrySetException(e);
            _onError(e);
        }
        finally
        {
            _runtime.AttachLoop(null);
        }
    }

    /// <summary>The eventfd became readable: run everything queued, then py-main's other jobs.</summary>
    private void Drain()
    {
        // Clear the flag before taking items: a post that lands after the last dequeue then
        // signals again, so no item waits for a wake-up that never comes.
        EventFd.Clear(_eventFd);
        Volatile.Write(ref _signalled, 0);
        while (_inbox.TryDequeue(out var item))
        {
            try
            {
                item.Work.RunOnLoop(item.Kind);
            }
            catch (Exception e)
            {
                _onError(e);
            }
        }

        while (true)
        {
            try
            {
                _runtime.RunPendingMainThreadJobs();
                break;
            }
            catch (Exception e)
            {
                _onError(e);
            }
        }
    }

    private sealed class LoopAction(Action action) : ILoopWork
    {
        public void RunOnLoop(int kind) => action();
    }
}
