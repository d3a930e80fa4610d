using System.Diagnostics;
using Dram.Python;
using Dram.Server.Logging;
using Microsoft.Extensions.Logging;

namespace Dram.Server.Wsgi;

/// <summary>
/// --timeout: a request still inside Python after the timeout gets <c>RequestTimeout</c> raised in
/// its thread (mod_wsgi 6's approach, <c>PyThreadState_SetAsyncExc</c>), which ends it with a 504
/// when nothing was sent yet. A thread blocked in C code never sees the exception; if its request
/// is still running <see cref="StuckGrace"/> later, the server reports itself unhealthy
/// (<see cref="Unhealthy"/>) so the worker can be replaced. Logged either way.
/// </summary>
/// <remarks>
/// The check runs on a timer and touches no Python. Raising happens on py-main with the GIL held,
/// after checking the request is still the one running: a request ends only with the GIL held, so
/// the exception cannot reach the thread's next request. The request clears any exception still
/// pending when it ends, for the same reason.
/// </remarks>
internal sealed class RequestWatchdog : IDisposable
{
    public static readonly TimeSpan StuckGrace = TimeSpan.FromSeconds(5);

    private readonly TimeSpan _timeout;
    private readonly PythonRuntime _runtime;
    private readonly PyRef _timeoutType;
    private readonly ILogger _logger;
    private readonly Timer _timer;
    private readonly CancellationTokenSource _unhealthy = new();

    public RequestWatchdog(TimeSpan timeout, PythonRuntime runtime, PyRef timeoutType, ILogger logger)
    {
        _timeout = timeout;
        _runtime = runtime;
        _timeoutType = timeoutType;
        _logger = logger;

        // Checking four times per timeout keeps the overshoot under a quarter of it, at most 1 s.
        var period = TimeSpan.FromTicks(Math.Clamp(timeout.Ticks / 4, TimeSpan.TicksPerMillisecond * 50, TimeSpan.TicksPerSecond));
        _timer = new Timer(_ => Check(), null, period, period);
    }

    /// <summary>Cancelled once a request stays stuck past the timeout and its grace period.</summary>
    public CancellationToken Unhealthy => _unhealthy.Token;

    private void Check()
    {
        var now = Stopwatch.GetTimestamp();
        foreach (var request in WsgiCallbacks.Requests.Snapshot())
        {
            var age = Stopwatch.GetElapsedTime(request.StartTimestamp, now);
            if (age <= _timeout)
            {
                continue;
            }

            if (request.TryMarkTimedOut())
            {
                Log.RequestTimedOut(_logger, request.Method, request.Target, _timeout.TotalSeconds);
                _runtime.PostToMainThread(() => Raise(request));
            }
            else if (age > _timeout + StuckGrace && !_unhealthy.IsCancellationRequested)
            {
                Log.RequestStuck(_logger, request.Method, request.Target, age.TotalSeconds);
                _unhealthy.Cancel();
            }
        }
    }

    /// <summary>Runs on py-main with the GIL held.</summary>
    private void Raise(WsgiRequest request)
    {
        if (WsgiCallbacks.Requests.Find(request.Handle) == request)
        {
            request.TimeoutRaised = PyThreads.RaiseIn(request.PythonThreadId, _timeoutType.Borrow());
        }
    }

    public void Dispose()
    {
        _timer.Dispose();
        _unhealthy.Dispose();
    }
}
