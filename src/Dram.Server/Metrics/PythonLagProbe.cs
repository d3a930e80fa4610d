using System.Diagnostics;
using Dram.Python;

namespace Dram.Server.Metrics;

/// <summary>
/// Every <see cref="Interval"/> posts a job that does nothing to py-main and reports how late it
/// ran. py-main needs the GIL to run it (WSGI: it waits for a pool thread to hand the GIL over;
/// ASGI: the job runs inside the event loop's drain, after whatever callbacks are ready), so the
/// delay is what any Python work queued now would wait. One probe at a time: a probe still
/// waiting delays the next rather than piling more work onto a stalled interpreter.
/// </summary>
internal sealed class PythonLagProbe : IDisposable
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    private readonly PythonRuntime _runtime;
    private readonly Action<long> _observe;
    private readonly Action _job;
    private readonly Timer _timer;
    private long _posted;
    private int _pending;

    public PythonLagProbe(PythonRuntime runtime, Action<long> observe)
    {
        _runtime = runtime;
        _observe = observe;
        _job = Run;
        _timer = new Timer(_ => Post(), null, Interval, Interval);
    }

    public void Dispose() => _timer.Dispose();

    private void Post()
    {
        if (Interlocked.Exchange(ref _pending, 1) != 0)
        {
            return;
        }

        Volatile.Write(ref _posted, Stopwatch.GetTimestamp());
        _runtime.PostToMainThread(_job);
    }

    private void Run()
    {
        _observe(Stopwatch.GetTimestamp() - Volatile.Read(ref _posted));
        Volatile.Write(ref _pending, 0);
    }
}
