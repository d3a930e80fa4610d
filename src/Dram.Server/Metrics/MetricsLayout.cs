using System.Diagnostics;

namespace Dram.Server.Metrics;

/// <summary>
/// The fixed layout of one worker's metrics slot: an array of 64-bit integers in a file the
/// supervisor creates and both processes map (<see cref="MetricsSlot"/>). The worker adds to it
/// with interlocked operations; the supervisor sums every worker's slot when it is scraped.
/// Both sides are the same build of Dram, so the layout needs no version field.
/// </summary>
internal static class MetricsLayout
{
    /// <summary>HTTP status codes 100–999 (what ASP.NET Core accepts), one counter each.</summary>
    public const int FirstStatus = 100;
    public const int LastStatus = 999;

    /// <summary>Requests being handled now (a gauge: never folded into the retired totals).</summary>
    public const int InFlight = 0;

    public const int StatusBase = 1;

    public static readonly Histogram RequestDuration = new(
        StatusBase + (LastStatus - FirstStatus + 1),
        "dram_request_duration_seconds",
        "Time from the request reaching Dram to its handler finishing (for ASGI, the last body handed to Kestrel).",
        [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]);

    // Queue wait and lag are normally well under a millisecond, so their buckets start lower.
    private static readonly double[] s_shortBounds =
        [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    public static readonly Histogram QueueWait = new(
        RequestDuration.End,
        "dram_python_queue_wait_seconds",
        "Time a request waited before Python started it: WSGI, from the queue to a Python thread holding the GIL; ASGI, from the post to the event loop running it.",
        s_shortBounds);

    public static readonly Histogram Lag = new(
        QueueWait.End,
        "dram_python_lag_seconds",
        "Delay of a no-op probe posted to the interpreter's main thread every 100 ms: how long Python work waits for the GIL (WSGI) or for the event loop (ASGI).",
        s_shortBounds);

    /// <summary>Longs in a slot.</summary>
    public static int Length => Lag.End;

    public static int StatusIndex(int status) => StatusBase + (Math.Clamp(status, FirstStatus, LastStatus) - FirstStatus);

    /// <summary>
    /// A histogram's place in the slot: one counter per bucket (not cumulative: one increment per
    /// observation; the text format's cumulative counts are summed when scraped), the +Inf bucket
    /// last, then the sum of observations in Stopwatch ticks (both processes run on one machine, so they agree on the tick length). The count is the buckets' total, so
    /// <c>_count</c> always equals the +Inf bucket, as the format requires.
    /// </summary>
    internal sealed class Histogram
    {
        private readonly long[] _boundTicks;

        public Histogram(int start, string name, string help, double[] bounds)
        {
            Start = start;
            Name = name;
            Help = help;
            Bounds = bounds;
            _boundTicks = [.. bounds.Select(b => (long)(b * Stopwatch.Frequency))];
        }

        public int Start { get; }

        public string Name { get; }

        public string Help { get; }

        /// <summary>Upper bounds in seconds, ascending, without +Inf.</summary>
        public IReadOnlyList<double> Bounds { get; }

        /// <summary>Buckets including +Inf.</summary>
        public int Buckets => Bounds.Count + 1;

        public int SumIndex => Start + Buckets;

        public int End => SumIndex + 1;

        /// <summary>The slot index of the bucket an observation of <paramref name="ticks"/> (Stopwatch) falls in.</summary>
        public int BucketIndex(long ticks)
        {
            var bounds = _boundTicks;
            var i = 0;
            while (i < bounds.Length && ticks > bounds[i])
            {
                i++;
            }

            return Start + i;
        }
    }
}
