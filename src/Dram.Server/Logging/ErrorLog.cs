using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Dram.Server.Logging;

/// <summary>
/// The error log: the server's own messages in gunicorn's layout
/// (<c>[2026-11-22 21:40:00 +0000] [pid] [INFO] message</c>) and the app's output lines, written
/// synchronously under one lock so the two never interleave mid-line and nothing waits in a queue
/// (the app's print() must reach the log promptly). It goes to standard error, to a writer the
/// library's user gives, or to a <see cref="LogFile"/> (--error-log FILE: one write(2) per message,
/// so the supervisor and its workers share the file; reopened on SIGUSR1). It decides itself which
/// messages pass, per category (--log-level, --log-config), and turns Kestrel's debug events about
/// refused requests into one line each naming the peer and the limit (<see cref="BadRequestLog"/>).
/// </summary>
internal sealed class ErrorLog : ILoggerProvider
{
    private static readonly int s_pid = Environment.ProcessId;

    private readonly TextWriter? _writer;
    private readonly LogFile? _file;
    private readonly Lock _lock = new();
    private readonly KeyValuePair<string, LogLevel>[] _rules;

    public ErrorLog(TextWriter writer, LogLevel minimum, IEnumerable<KeyValuePair<string, LogLevel>>? categories = null)
        : this(writer, null, minimum, categories, null)
    {
    }

    private ErrorLog(TextWriter? writer, LogFile? file, LogLevel minimum, IEnumerable<KeyValuePair<string, LogLevel>>? categories, DramServerOptions? limits)
    {
        _writer = writer;
        _file = file;
        Limits = limits;

        // Longest prefix first, so the first match is the most specific (.NET's own rule).
        _rules = [.. (categories ?? []).Where(r => r.Key != DefaultCategory).OrderByDescending(r => r.Key.Length)];
        Minimum = (categories ?? []).FirstOrDefault(r => r.Key == DefaultCategory) is { Key: not null } d ? d.Value : minimum;
    }

    /// <summary>The --log-config key for every category without a rule of its own.</summary>
    public const string DefaultCategory = "Default";

    /// <summary>The least severe level shown where no category rule applies.</summary>
    public LogLevel Minimum { get; }

    /// <summary>The request limits, named in the lines about refused requests.</summary>
    public DramServerOptions? Limits { get; }

    /// <summary>
    /// The error log <paramref name="options"/> ask for: <see cref="DramServerOptions.ErrorLog"/>
    /// when set, else standard error or the --error-log file.
    /// </summary>
    /// <exception cref="DramStartupException">The file cannot be opened (exit code 2).</exception>
    public static ErrorLog Create(DramServerOptions options, TextWriter standardError)
    {
        ArgumentNullException.ThrowIfNull(options);
        LogFile? file = null;
        if (options.ErrorLog is null && options.ErrorLogPath is { Length: > 0 } path && path != "-")
        {
            try
            {
                file = LogFile.Open(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new DramStartupException(ExitCodes.Usage, $"cannot open the error log '{path}': {e.Message}");
            }
        }

        var writer = file is null ? options.ErrorLog ?? standardError : null;
        return new ErrorLog(writer, file, options.LogLevel, options.LogCategoryLevels, options);
    }

    /// <summary>The least severe level shown for <paramref name="category"/>.</summary>
    public LogLevel MinimumFor(string category)
    {
        foreach (var (prefix, level) in _rules)
        {
            if (category.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                return level;
            }
        }

        // Framework categories log at Information about things Dram reports itself
        // ("Now listening on"), so they are shown from Warning up unless debugging. The generic
        // host's start/stop failures are reported by Dram as one line with an exit code.
        return category.StartsWith("Microsoft.Extensions.Hosting", StringComparison.Ordinal) && Minimum > LogLevel.Debug ? LogLevel.None
            : category.StartsWith("Microsoft.", StringComparison.Ordinal) && Minimum > LogLevel.Debug ? LogLevel.Warning
            : Minimum;
    }

    /// <summary>Writes lines the app wrote to sys.stdout/sys.stderr/wsgi.errors, as they are.</summary>
    public void WriteAppOutput(string text) => Emit(text + "\n");

    public void Write(LogLevel level, string category, string message, Exception? exception)
    {
        var now = DateTimeOffset.Now;
        var offset = now.Offset;
        var text = new StringBuilder(message.Length + 64);
        text.Append(CultureInfo.InvariantCulture,
            $"[{now:yyyy-MM-dd HH:mm:ss} {(offset < TimeSpan.Zero ? '-' : '+')}{Math.Abs(offset.Hours):00}{Math.Abs(offset.Minutes):00}] [{s_pid}] [{LevelName(level)}] {message}\n");
        if (exception is not null)
        {
            // A .NET stack trace helps Dram's developers, not its users: shown only at debug level.
            text.Append(MinimumFor(category) <= LogLevel.Debug ? exception.ToString() : Describe(exception)).Append('\n');
        }

        Emit(text.ToString());
    }

    /// <summary>One message, whole: a single write(2) on a file, so processes sharing it never split it.</summary>
    private void Emit(string text)
    {
        if (_file is not null)
        {
            _file.Write(text);
            return;
        }

        lock (_lock)
        {
            _writer!.Write(text);
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

    public void Dispose() => _file?.Dispose();

    private sealed class Logger(ErrorLog log, string category) : ILogger
    {
        private readonly LogLevel _minimum = log.MinimumFor(category);

        // Kestrel reports a request it refused (a limit, a malformed line) at Debug; those events
        // are always let through to BadRequestLog, which decides at its own category's level.
        private readonly bool _badRequests = category == BadRequestLog.Category;
        private readonly LogLevel _limitsMinimum = log.MinimumFor(BadRequestLog.LogCategory);

        /// <summary>
        /// Kestrel reports a body shorter than its Content-Length, and a request that ended
        /// unfinished, as application errors; Dram has already logged both with the request line
        /// and the Python traceback, so Kestrel's copy would only add noise.
        /// </summary>
        private static bool IsDuplicate(Exception? exception) =>
            exception is Wsgi.ResponseIncompleteException
            || (exception is InvalidOperationException e && e.Message.StartsWith("Response Content-Length mismatch", StringComparison.Ordinal));

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) =>
            logLevel != LogLevel.None && (logLevel >= _minimum || (_badRequests && logLevel >= LogLevel.Debug));

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (_badRequests && BadRequestLog.Describe(eventId, state, exception, log.Limits) is { } refused)
            {
                if (refused.Level >= _limitsMinimum && refused.Level != LogLevel.None)
                {
                    log.Write(refused.Level, BadRequestLog.LogCategory, refused.Message, null);
                }

                return;
            }

            if (logLevel >= _minimum && logLevel != LogLevel.None && !IsDuplicate(exception))
            {
                log.Write(logLevel, category, formatter(state, exception), exception);
            }
        }
    }
}
