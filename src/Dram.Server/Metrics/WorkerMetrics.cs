using System.Diagnostics;
using Dram.Python;
using Dram.Server.Asgi;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Dram.Server.Metrics;

/// <summary>
/// A worker's side of <c>--metrics</c>: counts each request into the slot the supervisor gave it
/// (<see cref="DramServerOptions.MetricsSlot"/>), measures how long requests wait for Python,
/// and probes the interpreter's lag. The supervisor sums the slots and serves them. With metrics
/// off nothing here exists: no middleware, no hook, no probe.
/// </summary>
internal sealed class WorkerMetrics : IDisposable
{
    private readonly MetricsSlot _slot;
    private readonly PythonLagProbe? _probe;

    private WorkerMetrics(MetricsSlot slot, PythonRuntime? runtime)
    {
        _slot = slot;
        _probe = runtime is null ? null : new PythonLagProbe(runtime, ticks => _slot.Observe(MetricsLayout.Lag, ticks));
    }

    /// <summary>Adds the counting middleware and the Python hooks when the supervisor passed a metrics slot.</summary>
    public static void UseIfEnabled(WebApplication web, DramServerOptions options, PythonThreadPool? pool, IReadOnlyList<AsgiApp> asgiApps)
    {
        if (options.MetricsSlot is not { Length: > 0 } path)
        {
            return;
        }

        MetricsSlot slot;
        try
        {
            slot = MetricsSlot.Open(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            throw new DramStartupException(ExitCodes.RuntimeFailure, $"cannot open the metrics slot: {e.Message}");
        }

        var metrics = new WorkerMetrics(slot, PythonRuntime.Current);
        web.Lifetime.ApplicationStopped.Register(metrics.Dispose);
        if (pool is not null)
        {
            pool.QueueWaitObserver = metrics.ObserveQueueWait;
        }

        foreach (var asgi in asgiApps)
        {
            asgi.Metrics = metrics;
        }

        web.Use(metrics.InvokeAsync);
    }

    /// <summary>Any thread: a request waited <paramref name="ticks"/> (Stopwatch) before Python started it.</summary>
    public void ObserveQueueWait(long ticks) => _slot.Observe(MetricsLayout.QueueWait, ticks);

    public void Dispose()
    {
        _probe?.Dispose();
        _slot.Dispose();
    }

    private Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var start = Stopwatch.GetTimestamp();
        _slot.Increment(MetricsLayout.InFlight);
        Task pending;
        try
        {
            pending = next(context);
        }
        catch
        {
            Finish(context, start, failed: true);
            throw;
        }

        if (pending.IsCompletedSuccessfully)
        {
            Finish(context, start, failed: false);
            return pending;
        }

        return AwaitAsync(pending, context, start);
    }

    // Only a request that goes asynchronous (every one that reaches Python) pays for this state
    // machine: one small allocation, as the access log's middleware makes.
    private async Task AwaitAsync(Task pending, HttpContext context, long start)
    {
        var failed = true;
        try
        {
            await pending.ConfigureAwait(false);
            failed = false;
        }
        finally
        {
            Finish(context, start, failed);
        }
    }

    private void Finish(HttpContext context, long start, bool failed)
    {
        var response = context.Response;

        // An exception before the response started becomes Kestrel's 500, as in the access log.
        var status = failed && !response.HasStarted ? StatusCodes.Status500InternalServerError : response.StatusCode;
        _slot.Increment(MetricsLayout.StatusIndex(status));
        _slot.Observe(MetricsLayout.RequestDuration, Stopwatch.GetTimestamp() - start);
        _slot.Decrement(MetricsLayout.InFlight);
    }
}
