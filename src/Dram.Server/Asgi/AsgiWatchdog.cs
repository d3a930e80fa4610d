using System.Diagnostics;
using Dram.Server.Logging;
using Microsoft.Extensions.Logging;

namespace Dram.Server.Asgi;

/// <summary>
/// --timeout for ASGI: an HTTP request whose app call runs past the timeout has its task
/// cancelled (the app sees <c>asyncio.CancelledError</c> at its next await), and gets a 504 when
/// nothing was sent yet. WebSocket connections are long-lived by design and are not timed.
/// The check runs on a timer and touches no Python; the cancel is posted to the loop.
/// </summary>
internal sealed class AsgiWatchdog : IDisposable
{
    private readonly AsgiApp _app;
    private readonly TimeSpan _timeout;
    private readonly ILogger _logger;
    private readonly Timer _timer;

    public AsgiWatchdog(AsgiApp app, TimeSpan timeout, ILogger logger)
    {
        _app = app;
        _timeout = timeout;
        _logger = logger;
        var period = TimeSpan.FromTicks(Math.Clamp(timeout.Ticks / 4, TimeSpan.TicksPerMillisecond * 50, TimeSpan.TicksPerSecond));
        _timer = new Timer(_ => Check(), null, period, period);
    }

    private void Check()
    {
        var now = Stopwatch.GetTimestamp();
        foreach (var connection in AsgiCallbacks.Connections.Snapshot())
        {
            if (connection is AsgiHttpRequest request
                && request.Application == _app
                && Stopwatch.GetElapsedTime(request.StartTimestamp, now) > _timeout
                && request.TryMarkTimedOut())
            {
                Log.RequestTimedOut(_logger, request.Method, request.Target, _timeout.TotalSeconds);
                request.Cancel();
            }
        }
    }

    public void Dispose() => _timer.Dispose();
}
