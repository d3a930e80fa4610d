using System.Text;

namespace Dram.Tests.Support;

/// <summary>
/// A thread-safe error log for servers under test. Everything written is kept in memory (and
/// mirrored to a file under the temp directory for debugging). Tests search it for unique markers,
/// polling with a time-out rather than sleeping.
/// </summary>
public sealed class LogCapture : TextWriter
{
    private readonly Lock _lock = new();
    private readonly StringBuilder _text = new();
    private readonly StreamWriter? _mirror;

    public LogCapture(string? mirrorPath = null)
    {
        if (mirrorPath is not null)
        {
            try
            {
                _mirror = new StreamWriter(mirrorPath, append: false, Encoding.UTF8) { AutoFlush = true };
            }
            catch (IOException)
            {
                _mirror = null;
            }
        }
    }

    public static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(10);

    public override Encoding Encoding => Encoding.UTF8;

    /// <summary>How many characters have been written so far: a position to search from.</summary>
    public int Position
    {
        get
        {
            lock (_lock)
            {
                return _text.Length;
            }
        }
    }

    public override void Write(char value) => Append(value.ToString());

    public override void Write(string? value) => Append(value);

    public override void Write(char[] buffer, int index, int count) => Append(new string(buffer, index, count));

    public override void WriteLine(string? value) => Append(value + Environment.NewLine);

    /// <summary>The text written from <paramref name="position"/> on.</summary>
    public string Since(int position)
    {
        lock (_lock)
        {
            position = Math.Clamp(position, 0, _text.Length);
            return _text.ToString(position, _text.Length - position);
        }
    }

    public string Text => Since(0);

    /// <summary>Waits until the text written since <paramref name="from"/> satisfies <paramref name="condition"/>.</summary>
    /// <returns>That text, or null if the time ran out.</returns>
    public async Task<string?> WaitAsync(Func<string, bool> condition, int from = 0, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? DefaultWait);
        while (true)
        {
            var text = Since(from);
            if (condition(text))
            {
                return text;
            }

            if (DateTime.UtcNow > deadline)
            {
                return null;
            }

            await Task.Delay(20).ConfigureAwait(false);
        }
    }

    /// <summary>Waits for <paramref name="needle"/> to appear after <paramref name="from"/>; true if it did in time.</summary>
    public async Task<bool> WaitForAsync(string needle, int from = 0, TimeSpan? timeout = null) =>
        await WaitAsync(t => t.Contains(needle, StringComparison.Ordinal), from, timeout).ConfigureAwait(false) is not null;

    /// <summary>The lines written after the first line containing <paramref name="marker"/>, or null if it is not there.</summary>
    public string? After(string marker, int from = 0)
    {
        var text = Since(from);
        var at = text.IndexOf(marker, StringComparison.Ordinal);
        if (at < 0)
        {
            return null;
        }

        var lineEnd = text.IndexOf('\n', at);
        return lineEnd < 0 ? string.Empty : text[(lineEnd + 1)..];
    }

    private void Append(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return;
        }

        lock (_lock)
        {
            _text.Append(value);
            try
            {
                _mirror?.Write(value);
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                // The mirror is only a debugging aid.
            }
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            lock (_lock)
            {
                _mirror?.Dispose();
            }
        }

        base.Dispose(disposing);
    }
}
