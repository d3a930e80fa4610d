using System.Collections.Concurrent;
using System.Diagnostics;
using Dram.Python.Native;

namespace Dram.Python;

/// <summary>
/// The dedicated threads that run Python work. Each pins one thread state for its whole life and
/// keeps the GIL while work is queued; it releases the GIL only when the queue is empty or inside
/// a wait that can block (<see cref="Gil.Release"/>).
/// </summary>
/// <remarks>
/// Threads are added only when the running ones stop making progress (blocked in a sleep, a
/// database call, a slow client), never merely because work is queued: four Python threads busy
/// on Flask gave half the throughput of one (design/NOTES.md), because every GIL hand-over costs.
/// A monitor checks every millisecond: if the oldest queued item has waited
/// <see cref="StallThreshold"/>, it wakes or starts another thread, up to the maximum, at most one
/// per threshold. (The age of the queue's head, not the time since a thread last took an item:
/// with many threads each blocked for 10 ms, some thread takes an item every millisecond or so
/// while the queue still grows.) This is
/// Granian's rule (queue against idle threads, its bug #873) made aware of threads that are busy
/// but blocked. A stall counts only while no pool thread is runnable: with several worker
/// processes on few cores a thread holding the GIL is often ready but waiting for a core, and a
/// second thread would only take turns with it at the GIL. A thread that has run one item for
/// <see cref="LongItemThreshold"/> counts as stalled even when runnable, so a long computation
/// does not hold up every request queued behind it. Sleeping threads are woken last-in,
/// first-out: the thread that ran most recently takes the next request, so under steady load one
/// thread does the work and the others stay asleep, keep no caches or malloc arenas warm, and
/// exit after the idle timeout (measured on Flask: eight threads took turns when the wake-up
/// went to whichever waited longest).
/// A helper thread goes back to sleep once it is surplus: no stall for
/// <see cref="RetireAfter"/> while another thread completes work. Under CPU-bound load the pool
/// thus returns to one running thread after a warm-up stall (measured on Flask: the same
/// requests/s, p99 5 ms instead of 15 ms with eight threads taking turns at the GIL), while
/// under blocking load stalls keep recurring and the helpers stay. Idle helpers exit after
/// <see cref="IdleTimeout"/>; the first thread stays.
/// </remarks>
public sealed class PythonThreadPool : IDisposable
{
    public static readonly TimeSpan StallThreshold = TimeSpan.FromMilliseconds(2);
    public static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan RetireAfter = TimeSpan.FromMilliseconds(100);
    public static readonly TimeSpan LongItemThreshold = TimeSpan.FromMilliseconds(100);

    // Another thread counts as making progress if it completed an item this recently: two GIL
    // switch intervals (5 ms by default), since threads taking turns at the GIL wait one out.
    private static readonly long s_progressWindow = Stopwatch.Frequency / 100;
    private static readonly long s_retireAfter = (long)(RetireAfter.TotalSeconds * Stopwatch.Frequency);

    private readonly ConcurrentQueue<QueuedItem> _queue = new();
    private readonly Action<Exception> _onFault;
    private readonly string _name;
    private readonly Thread _monitor;
    private readonly Lock _spawnLock = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly ManualResetEventSlim _monitorWake = new(false);

    // Sleeping threads, the most recently asleep last; guarded by its own lock.
    private readonly List<Worker> _idle = [];
    private int _threads;
    private int _awake;
    private int _queued;
    private long _lastTakeTicks;
    private long _lastGrowTicks;
    private long _lastStallTicks;
    private Worker[] _workers = [];
    private int _monitorParked;

    public PythonThreadPool(string name, int maxThreads, Action<Exception> onFault)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxThreads, 1);
        _name = name;
        MaxThreads = maxThreads;
        _onFault = onFault;
        _monitor = new Thread(Monitor) { Name = $"{name}-monitor", IsBackground = true };
        _monitor.Start();
    }

    public int MaxThreads { get; }

    /// <summary>Python threads alive now.</summary>
    public int Threads => Volatile.Read(ref _threads);

    /// <summary>Work items waiting for a thread.</summary>
    public int Queued => Volatile.Read(ref _queued);

    /// <summary>
    /// When set, called on the Python thread with the GIL held, just before each item runs, with
    /// how long the item waited since <see cref="Enqueue"/> (Stopwatch ticks). For metrics; null costs one check.
    /// </summary>
    public Action<long>? QueueWaitObserver { get; set; }

    /// <summary>Queues work. Never blocks and never touches the GIL, so Kestrel's threads may call it.</summary>
    public void Enqueue(IPythonWorkItem item)
    {
        ObjectDisposedException.ThrowIf(_stopping.IsCancellationRequested, this);
        Interlocked.Increment(ref _queued);
        _queue.Enqueue(new QueuedItem(item, Stopwatch.GetTimestamp()));
        if (Volatile.Read(ref _monitorParked) != 0)
        {
            _monitorWake.Set();
        }

        // A thread that is awake drains the queue before it sleeps (and re-checks after announcing
        // that it sleeps), so only an all-asleep pool needs a wake-up here.
        if (Volatile.Read(ref _awake) == 0)
        {
            WakeOrStart();
        }
    }

    private void WakeOrStart()
    {
        if (!TryWakeIdle())
        {
            TryStartThread();
        }
    }

    private bool TryWakeIdle()
    {
        Worker next;
        lock (_idle)
        {
            if (_idle.Count == 0)
            {
                return false;
            }

            next = _idle[^1];
            _idle.RemoveAt(_idle.Count - 1);
        }

        // Counted awake from now, not from when it runs: under CPU contention it may wait a few
        // milliseconds for a core, and meanwhile the monitor must not wake another for the same work.
        Interlocked.Increment(ref _awake);
        next.Wake.Release();
        return true;
    }

    private void TryStartThread()
    {
        lock (_spawnLock)
        {
            if (_threads >= MaxThreads || _stopping.IsCancellationRequested)
            {
                return;
            }

            _threads++;
            Interlocked.Increment(ref _awake);
            var worker = new Worker(isPrimary: _workers.Length == 0);
            _workers = [.. _workers, worker];
            var thread = new Thread(() => Run(worker), PythonRuntime.ThreadStackSize)
            {
                Name = $"{_name}-{_threads}",
                IsBackground = true,
            };
            thread.Start();
        }
    }

    private void Run(Worker me)
    {
        // Pin one thread state for the thread's life: PyGILState_Ensure once, then only
        // Restore/Save per batch (5–8x cheaper than Ensure/Release per call, and it keeps
        // threading.local alive across requests; research/embedding.md §4.3).
        Volatile.Write(ref me.Tid, OsThread.CurrentId());
        var gilState = CApi.PyGILState_Ensure();
        var threadState = CApi.PyEval_SaveThread();
        var holdsGil = false;
        try
        {
            while (true)
            {
                if (_queue.TryDequeue(out var queued))
                {
                    var item = queued.Item;
                    Interlocked.Decrement(ref _queued);
                    Volatile.Write(ref _lastTakeTicks, Stopwatch.GetTimestamp());
                    if (!holdsGil)
                    {
                        CApi.PyEval_RestoreThread(threadState);
                        holdsGil = true;
                    }

                    QueueWaitObserver?.Invoke(Stopwatch.GetTimestamp() - queued.Enqueued);
                    Execute(item);
                    var now = Stopwatch.GetTimestamp();
                    Volatile.Write(ref me.LastCompletion, now);
                    if (me.IsPrimary || !IsSurplus(me, now))
                    {
                        continue;
                    }
                }

                if (holdsGil)
                {
                    threadState = CApi.PyEval_SaveThread();
                    holdsGil = false;
                }

                if (!Sleep(me))
                {
                    return;
                }
            }
        }
        finally
        {
            if (!holdsGil)
            {
                CApi.PyEval_RestoreThread(threadState);
            }

            CApi.PyGILState_Release(gilState);
            me.Dispose();
        }
    }

    private void Execute(IPythonWorkItem item)
    {
        try
        {
            item.Execute();
        }
        catch (Exception e)
        {
            _onFault(e);
        }
    }

    /// <summary>A helper is surplus when nothing has stalled lately and another thread is completing work.</summary>
    private bool IsSurplus(Worker me, long now)
    {
        if (now - Volatile.Read(ref _lastStallTicks) < s_retireAfter)
        {
            return false;
        }

        foreach (var other in Volatile.Read(ref _workers))
        {
            if (other != me && now - Volatile.Read(ref other.LastCompletion) < s_progressWindow)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Waits for work. False when this thread should exit (idle too long, or stopping).</summary>
    private bool Sleep(Worker me)
    {
        Interlocked.Decrement(ref _awake);
        lock (_idle)
        {
            _idle.Add(me);
        }

        // Re-check after announcing sleep: an Enqueue that saw us awake did not wake anyone.
        // A surplus helper leaves queued work to the thread that is making progress (the monitor
        // wakes a helper again if that thread stalls).
        if (!_queue.IsEmpty && Volatile.Read(ref _awake) == 0 && TryLeaveIdle(me))
        {
            Interlocked.Increment(ref _awake);
            return true;
        }

        // A waker takes us off the idle list and counts us awake before it releases the permit.
        if (!me.Wake.Wait(IdleTimeout))
        {
            // Timed out. If a waker already took us off the idle list, its permit is on the way: take it.
            if (TryLeaveIdle(me))
            {
                lock (_spawnLock)
                {
                    // The first thread stays, so a quiet server answers without a thread start.
                    if (!me.IsPrimary || _stopping.IsCancellationRequested)
                    {
                        _threads--;
                        _workers = [.. _workers.Where(w => w != me)];
                        return false;
                    }
                }

                Interlocked.Increment(ref _awake);
                return true;
            }

            me.Wake.Wait();
        }

        if (_stopping.IsCancellationRequested && _queue.IsEmpty)
        {
            lock (_spawnLock)
            {
                _threads--;
                _workers = [.. _workers.Where(w => w != me)];
            }

            Interlocked.Decrement(ref _awake);
            return false;
        }

        return true;
    }

    private bool TryLeaveIdle(Worker me)
    {
        lock (_idle)
        {
            return _idle.Remove(me);
        }
    }

    private void Monitor()
    {
        // The monitor parks after this many consecutive checks find the queue empty, so an idle
        // server does not wake a thread every millisecond; the next Enqueue wakes it.
        const int ChecksBeforeParking = 100;
        var threshold = (long)(StallThreshold.TotalSeconds * Stopwatch.Frequency);
        var longItem = (long)(LongItemThreshold.TotalSeconds * Stopwatch.Frequency);
        var emptyChecks = 0;
        while (!_stopping.IsCancellationRequested)
        {
            if (_queue.IsEmpty)
            {
                if (++emptyChecks < ChecksBeforeParking)
                {
                    Thread.Sleep(1);
                    continue;
                }

                // Announce the park before the last look at the queue: an Enqueue either sees the
                // flag and sets the event, or its item is seen here.
                Interlocked.Exchange(ref _monitorParked, 1);
                if (_queue.IsEmpty)
                {
                    _monitorWake.Wait();
                }

                Interlocked.Exchange(ref _monitorParked, 0);
                _monitorWake.Reset();
                emptyChecks = 0;
                continue;
            }

            emptyChecks = 0;
            Thread.Sleep(1);
            var now = Stopwatch.GetTimestamp();
            var sinceTake = now - Volatile.Read(ref _lastTakeTicks);
            if (_queue.TryPeek(out var head) && (Volatile.Read(ref _awake) == 0
                || sinceTake > longItem
                || (now - head.Enqueued > threshold && now - _lastGrowTicks > threshold && !AnyRunnable())))
            {
                // One stall adds one thread, not one per millisecond. The stall is remembered even
                // at the maximum, so blocked helpers are not retired meanwhile.
                _lastGrowTicks = now;
                Volatile.Write(ref _lastTakeTicks, now);
                Volatile.Write(ref _lastStallTicks, now);
                WakeOrStart();
            }
        }
    }

    /// <summary>Whether a pool thread is running or ready to run (not blocked).</summary>
    private bool AnyRunnable()
    {
        foreach (var worker in Volatile.Read(ref _workers))
        {
            if (OsThread.IsRunnable(Volatile.Read(ref worker.Tid)))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Stops the threads once the queued work is done. Does not wait for them.</summary>
    public void Dispose()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        _stopping.Cancel();
        _monitorWake.Set();
        Worker[] sleeping;
        lock (_idle)
        {
            sleeping = [.. _idle];
            _idle.Clear();
        }

        foreach (var worker in sleeping)
        {
            Interlocked.Increment(ref _awake);
            worker.Wake.Release();
        }
    }

    private readonly record struct QueuedItem(IPythonWorkItem Item, long Enqueued);

    /// <summary>One pool thread's identity and progress, read by the others to decide who is surplus.</summary>
    private sealed class Worker(bool isPrimary) : IDisposable
    {
        public readonly bool IsPrimary = isPrimary;
        public readonly SemaphoreSlim Wake = new(0);
        public long LastCompletion;
        public int Tid;

        /// <summary>At the thread's exit, when no waker can hold it any longer (it left the idle list).</summary>
        public void Dispose() => Wake.Dispose();
    }
}
