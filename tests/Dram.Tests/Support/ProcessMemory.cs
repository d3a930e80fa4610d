using System.Globalization;

namespace Dram.Tests.Support;

/// <summary>This process's memory as Linux reports it in /proc/self/status.</summary>
public static class ProcessMemory
{
    /// <summary>A field of /proc/self/status in bytes (VmRSS, VmHWM, ...).</summary>
    public static long Read(string field)
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
            {
                var kib = line[(field.Length + 1)..].Trim().Split(' ')[0];
                return long.Parse(kib, CultureInfo.InvariantCulture) * 1024;
            }
        }

        throw new InvalidOperationException($"/proc/self/status has no {field}");
    }

    public static long Rss => Read("VmRSS");

    /// <summary>Resets VmHWM to the current RSS (writing 5 to clear_refs); false where the kernel refuses.</summary>
    public static bool TryResetPeak()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Samples RSS in the background until disposed; <see cref="Peak"/> is the highest seen.</summary>
    public sealed class Sampler : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;
        private long _peak;

        public Sampler()
        {
            _peak = Rss;
            _loop = Task.Run(async () =>
            {
                while (!_stop.IsCancellationRequested)
                {
                    var now = Rss;
                    if (now > Interlocked.Read(ref _peak))
                    {
                        Interlocked.Exchange(ref _peak, now);
                    }

                    try
                    {
                        await Task.Delay(10, _stop.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        break;
                    }
                }
            });
        }

        public long Peak => Interlocked.Read(ref _peak);

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync().ConfigureAwait(false);
            await _loop.ConfigureAwait(false);
            _stop.Dispose();
        }
    }
}
