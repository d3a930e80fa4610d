namespace Dram.Server.Logging;

/// <summary>
/// Where access log lines go: standard output (<c>-</c>, as in gunicorn) or a file opened for
/// append. Each line is written whole, under one lock, with its line end, so lines never
/// interleave. Nothing is buffered: a line is out when the request's line is written.
/// </summary>
internal abstract class AccessLogSink : IDisposable
{
    private readonly Lock _lock = new();

    /// <exception cref="DramStartupException">The file cannot be opened (exit code 2).</exception>
    public static AccessLogSink Open(string target)
    {
        if (target == "-")
        {
            // Console.Out is synchronised and flushes on every write; in a worker the supervisor
            // passes these lines on to its own standard output, one line at a time.
            return new WriterSink(Console.Out);
        }

        try
        {
            return new FileSink(LogFile.Open(target));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DramStartupException(ExitCodes.Usage, $"cannot open the access log '{target}': {e.Message}");
        }
    }

    public void WriteLine(string line)
    {
        lock (_lock)
        {
            try
            {
                Write(line + "\n");
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                // A full disk or a closed standard output must not fail the request.
            }
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            Close();
        }
    }

    protected abstract void Write(string line);

    protected abstract void Close();

    private sealed class WriterSink(TextWriter writer) : AccessLogSink
    {
        protected override void Write(string line)
        {
            writer.Write(line);
            writer.Flush();
        }

        protected override void Close() { }
    }

    /// <summary>A <see cref="LogFile"/>: O_APPEND, one write(2) per line, reopened on SIGUSR1.</summary>
    private sealed class FileSink(LogFile file) : AccessLogSink
    {
        protected override void Write(string line) => file.Write(line);

        protected override void Close() => file.Dispose();
    }
}
