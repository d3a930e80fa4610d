using System.Collections.Concurrent;
using Dram.Python;
using Dram.Server.Logging;
using Microsoft.Extensions.Logging;

namespace Dram.Server.Asgi;

/// <summary>
/// The lifespan protocol (ASGI lifespan spec) for one server: startup runs on the loop before
/// the server listens, shutdown after it stops accepting. The protocol itself is asgi_support.py's
/// <c>Lifespan</c>; this side starts each phase on the loop and waits for its outcome.
/// </summary>
internal sealed class AsgiLifespan
{
    private static readonly ConcurrentDictionary<long, TaskCompletionSource<(string Status, string Message)>> s_waiting = new();
    private static long s_nextToken;

    private static readonly NativeFunction PhaseDone =
        NativeFunction.Register("_lifespan_done", ["token", "status", "message"], 3, OnPhaseDone);

    private readonly AsgiApp _app;
    private readonly LifespanMode _mode;
    private readonly ILogger _logger;
    private PyRef _lifespan;
    private bool _running;

    public AsgiLifespan(AsgiApp app, LifespanMode mode, ILogger logger)
    {
        _app = app;
        _mode = mode;
        _logger = logger;
    }

    /// <summary>Runs lifespan.startup; throws <see cref="DramStartupException"/> (exit code 3) when the app fails it.</summary>
    public void Startup()
    {
        if (_mode == LifespanMode.Off)
        {
            return;
        }

        var (status, message) = RunPhase("startup").GetAwaiter().GetResult();
        switch (status)
        {
            case "ok":
                _running = true;
                Log.Lifespan(_logger, "startup complete");
                break;
            case "unsupported" when _mode == LifespanMode.Auto:
                Log.LifespanUnsupported(_logger, LastLine(message));
                break;
            case "unsupported":
                throw new DramStartupException(ExitCodes.AppLoad, $"the app does not support the ASGI lifespan protocol (--lifespan on): {LastLine(message)}", message);
            default:
                // The app's own message stands alone; a traceback (from an exception) follows it.
                throw new DramStartupException(
                    ExitCodes.AppLoad, $"ASGI lifespan startup failed: {LastLine(message)}", message.Contains('\n', StringComparison.Ordinal) ? message : null);
        }
    }

    /// <summary>Runs lifespan.shutdown when startup completed; a failure is logged (the server is stopping anyway).</summary>
    public async Task ShutdownAsync(CancellationToken cancellationToken)
    {
        if (!_running)
        {
            return;
        }

        _running = false;
        try
        {
            var (status, message) = await RunPhase("shutdown").WaitAsync(cancellationToken).ConfigureAwait(false);
            if (status == "ok")
            {
                Log.Lifespan(_logger, "shutdown complete");
            }
            else
            {
                Log.LifespanShutdownFailed(_logger, message);
            }
        }
        catch (OperationCanceledException)
        {
            Log.LifespanShutdownFailed(_logger, "did not finish within the graceful timeout");
        }
    }

    private Task<(string Status, string Message)> RunPhase(string phase)
    {
        var token = Interlocked.Increment(ref s_nextToken);
        var done = new TaskCompletionSource<(string, string)>(TaskCreationOptions.RunContinuationsAsynchronously);
        s_waiting[token] = done;
        _app.Loop.Post(() =>
        {
            try
            {
                if (_lifespan.IsNull)
                {
                    _lifespan = Py.Call(_app.LifespanType.Borrow(), _app.Callable.Borrow(), _app.State.Borrow());
                }

                using var start = Py.GetAttr(_lifespan.Borrow(), phase);
                using var coroutine = Py.Call(start.Borrow());
                using var callback = PhaseDone.Bind(0);
                using var tokenInt = Py.Int(token);
                using var report = Py.Call(_app.Report.Borrow(), coroutine.Borrow(), callback.Borrow(), tokenInt.Borrow());
                using var task = _app.Loop.CreateTask(report.Borrow());
            }
            catch (PythonException e)
            {
                Complete(token, "failed", e.Traceback);
            }
        });
        return done.Task;
    }

    private static PyRef OnPhaseDone(long state, ReadOnlySpan<PyBorrowed> args)
    {
        Complete(Py.AsLong(args[0]), PyStr.ToStringLossy(args[1]), PyStr.ToStringLossy(args[2]));
        return default;
    }

    private static void Complete(long token, string status, string message)
    {
        if (s_waiting.TryRemove(token, out var done))
        {
            done.TrySetResult((status, message));
        }
    }

    private static string LastLine(string text)
    {
        var lines = text.TrimEnd().Split('\n');
        return lines.Length == 0 ? "" : lines[^1].Trim();
    }
}
