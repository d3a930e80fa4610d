using System.Diagnostics;
using System.Globalization;
using Dram.Server;
using Dram.Server.Metrics;

namespace Dram.Cli.Supervision;

/// <summary>Why the supervisor replaced a worker, as the <c>reason</c> label of dram_worker_restarts_total.</summary>
internal enum RestartReason
{
    /// <summary>The worker exited or was killed without being asked to (a crash, the OOM killer).</summary>
    Died,

    /// <summary>It reached --max-requests.</summary>
    MaxRequests,

    /// <summary>It grew past --max-rss.</summary>
    MaxRss,

    /// <summary>A request was stuck past --timeout.</summary>
    Timeout,

    /// <summary>SIGHUP or --reload.</summary>
    Reload,
}

/// <summary>Maps the reason a worker gave for a recycle (or the supervisor's own, for --max-rss) to its label.</summary>
internal static class RestartReasons
{
    public static RestartReason Of(string reason) =>
        reason.Contains("max-requests", StringComparison.Ordinal) ? RestartReason.MaxRequests
        : reason.Contains("max-rss", StringComparison.Ordinal) ? RestartReason.MaxRss
        : reason.Contains("timeout", StringComparison.Ordinal) ? RestartReason.Timeout
        : RestartReason.Died;
}

/// <summary>
/// The supervisor's side of <c>--metrics</c>: one <see cref="MetricsSlot"/> per worker, created
/// before the worker starts, and the totals of workers that have exited. When a worker exits its
/// final counts are added to those totals (its gauges are dropped), so every counter stays
/// monotonic across restarts. A scrape sums the totals and the live slots under one lock; the
/// workers themselves never take it.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
internal sealed class SupervisorMetrics : IDisposable
{
    private static readonly string[] s_reasonLabels = ["died", "max-requests", "max-rss", "timeout", "reload"];

    private readonly Lock _lock = new();
    private readonly long[] _retired = new long[MetricsLayout.Length];
    private readonly long[] _restarts = new long[s_reasonLabels.Length];
    private readonly List<MetricsSlot> _live = [];
    private readonly string[] _dirs;
    private int _next;

    public SupervisorMetrics()
    {
        // tmpfs when there is one: the pages never go to disk. A worker removes its file's name
        // once it has mapped it, so a supervisor killed outright leaves at most one behind.
        _dirs = Directory.Exists("/dev/shm") ? ["/dev/shm", Path.GetTempPath()] : [Path.GetTempPath()];
    }

    /// <summary>A new zeroed slot for a worker about to start, and the path to give it.</summary>
    /// <exception cref="DramStartupException">No slot file could be created (exit code 1).</exception>
    public (MetricsSlot Slot, string Path) NewSlot()
    {
        // The name has a random part and is created exclusively (O_EXCL, mode 0600): another
        // user cannot guess it in advance to block it or point it elsewhere with a symlink.
        Exception? last = null;
        foreach (var dir in _dirs)
        {
            for (var attempt = 0; attempt < 3; attempt++)
            {
                var path = Path.Combine(dir, string.Create(CultureInfo.InvariantCulture,
                    $"dram-metrics-{Environment.ProcessId}-{Interlocked.Increment(ref _next)}-{Random.Shared.Next():x8}"));
                try
                {
                    var slot = MetricsSlot.Create(path);
                    lock (_lock)
                    {
                        _live.Add(slot);
                    }

                    return (slot, path);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    last = e;
                }
            }
        }

        throw new DramStartupException(ExitCodes.RuntimeFailure, $"cannot create a metrics file for a worker: {last?.Message}");
    }

    /// <summary>A worker has exited: its counters join the totals, its slot is released.</summary>
    public void Retire(MetricsSlot slot, string path)
    {
        lock (_lock)
        {
            if (!_live.Remove(slot))
            {
                return;
            }

            for (var i = 0; i < MetricsLayout.Length; i++)
            {
                if (i != MetricsLayout.InFlight)
                {
                    _retired[i] += slot.Read(i);
                }
            }
        }

        slot.Dispose();

        // Normally gone already: the worker removes the name once mapped; not if it never booted.
        File.Delete(path);
    }

    public void CountRestart(RestartReason reason) => Interlocked.Increment(ref _restarts[(int)reason]);

    /// <summary>The text served at /metrics. <paramref name="workers"/> serving now, their resident memory in total.</summary>
    public string Render(int workers, long residentBytes)
    {
        var sums = new long[MetricsLayout.Length];
        lock (_lock)
        {
            Array.Copy(_retired, sums, sums.Length);
            foreach (var slot in _live)
            {
                for (var i = 0; i < sums.Length; i++)
                {
                    sums[i] += slot.Read(i);
                }
            }
        }

        var text = new PrometheusText();
        text.Family("dram_requests_total", "counter", "HTTP requests answered by the workers, by status code.");
        for (var status = MetricsLayout.FirstStatus; status <= MetricsLayout.LastStatus; status++)
        {
            if (sums[MetricsLayout.StatusIndex(status)] is > 0 and var count)
            {
                text.Sample("dram_requests_total", count, "status", status.ToString(CultureInfo.InvariantCulture));
            }
        }

        Histogram(text, MetricsLayout.RequestDuration, sums);
        text.Family("dram_requests_in_flight", "gauge", "Requests being handled by the workers now.");
        text.Sample("dram_requests_in_flight", sums[MetricsLayout.InFlight]);
        Histogram(text, MetricsLayout.QueueWait, sums);
        Histogram(text, MetricsLayout.Lag, sums);
        text.Family("dram_worker_restarts_total", "counter", "Workers replaced, by reason: died, max-requests, max-rss, timeout (a request stuck past --timeout), reload (SIGHUP or --reload).");
        for (var i = 0; i < s_reasonLabels.Length; i++)
        {
            text.Sample("dram_worker_restarts_total", Interlocked.Read(ref _restarts[i]), "reason", s_reasonLabels[i]);
        }

        text.Family("dram_workers", "gauge", "Worker processes serving now.");
        text.Sample("dram_workers", workers);
        text.Family("dram_workers_resident_memory_bytes", "gauge", "Resident memory of the serving workers, summed (VmRSS; shared pages count once per worker).");
        text.Sample("dram_workers_resident_memory_bytes", residentBytes);
        return text.ToString();
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _live.ForEach(s => s.Dispose());
            _live.Clear();
        }
    }

    private static void Histogram(PrometheusText text, MetricsLayout.Histogram histogram, long[] sums)
    {
        text.Family(histogram.Name, "histogram", histogram.Help);
        long cumulative = 0;
        for (var i = 0; i < histogram.Buckets; i++)
        {
            cumulative += sums[histogram.Start + i];
            var bound = i < histogram.Bounds.Count ? PrometheusText.Number(histogram.Bounds[i]) : "+Inf";
            text.Sample(histogram.Name + "_bucket", cumulative, "le", bound);
        }

        text.Sample(histogram.Name + "_sum", (double)sums[histogram.SumIndex] / Stopwatch.Frequency);
        text.Sample(histogram.Name + "_count", cumulative);
    }
}
