using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Dram.Server.Logging;

/// <summary>
/// The error log: the server's own messages in gunicorn's layout
/// (<c>[2026-11-22 21:40:00 +0000] [pid] [INFO] message</c>) and the app's output lines, written
/// synchronously under one lock so the two never interleave mid-line and nothing waits in a queue
/// (the app's print() must reach the log promptly).
/// </summary>
internal sealed class ErrorLog : ILoggerProvider
{
    private static readonly int s_pid = Environment.ProcessId;

    private readonly TextWriter _writer;
    private readonly Lock _lock = new();

    public ErrorLog(TextWriter writer, LogLevel minimum)
    {
        _writer = writer;
        Minimum = minimum;
    }

    public LogLevel Minimum { get; }

    /// <summary>Writes lines the app wrote to sys.stdout/sys.stderr/wsgi.errors, as they are.</summary>
    public void WriteAppOutput(string text)
    {
        lock (_lock)
        {
            _writer.WriteLine(text);
            _writer.Flush();
        }
    }

    public void Write(LogLevel level, string category, string message, Exception? exception)
    {
        var now = DateTimeOffset.Now;
        var offset = now.Offset;
        var line = string.Create(CultureInfo.InvariantCulture,
            $"[{now:yyyy-MM-dd HH:mm:ss} {(offset < TimeSpan.Zero ? '-' : '+')}{Math.Abs(offset.Hours):00}{Math.Abs(offset.Minutes):00}] [{s_pid}] [{LevelName(level)}] {message}");
        lock (_lock)
        {
            _writer.WriteLine(line);
            if (exception is not null)
            {
                // A .NET stack trace helps Dram's developers, not its users: shown only at debug level.
                _writer.WriteLine(Minimum <= LogLevel.Debug ? exception.ToString() : Describe(exception));
            }

            _writer.Flush();
        }
    }

    private static string Describe(Exception exception)
    {
        var text = $"{exception.GetType().Name}: {exception.Message}";
        for (var inner = exception.InnerException; inner is not null; inner = inner.InnerException)
        {
            text += $" ({inner.GetType().Name}: {inner.Message})";
        }

        return text;
    }

    private static string LevelName(LogLevel level) => level switch
    {
        LogLevel.Trace or LogLevel.Debug => "DEBUG",
        LogLevel.Information => "INFO",
        LogLevel.Warning => "WARNING",
        LogLevel.Error => "ERROR",
        _ => "CRITICAL",
    };

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose() { }

    private sealed class Logger(ErrorLog log, string category) : ILogger
    {
        /// <summary>
        /// Kestrel reports a body shorter than its Content-Length, and a request that ended
        /// unfinished, as application errors; Dram has already logged both with the request line
        /// and the Python traceback, so Kestrel's copy would only add noise.
        /// </summary>
        private static bool IsDuplicate(Exception? exception) =>
            exception is Wsgi.ResponseIncompleteException
            || (exception is InvalidOperationException e && e.Message.StartsWith("Response Content-Length mismatch", StringComparison.Ordinal));

        // Framework categories log at Information about things Dram reports itself
        // ("Now listening on"), so they are shown from Warning up unless debugging. The generic
        // host's start/stop failures are reported by Dram as one line with an exit code.
        private readonly LogLevel _minimum =
            category.StartsWith("Microsoft.Extensions.Hosting", StringComparison.Ordinal) && log.Minimum > LogLevel.Debug ? LogLevel.None
            : category.StartsWith("Microsoft.", StringComparison.Ordinal) && log.Minimum > LogLevel.Debug ? LogLevel.Warning
            : log.Minimum;

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= _minimum && logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel) && !IsDuplicate(exception))
            {
                log.Write(logLevel, category, formatter(state, exception), exception);
            }
        }
    }
}
