using Microsoft.Extensions.Logging;

namespace Dram.Cli.Supervision;

/// <summary>The supervisor's messages (event ids 50–79), in the error log beside the workers' own.</summary>
internal static partial class SupervisorLog
{
    [LoggerMessage(50, LogLevel.Information, "Starting dram {Version} supervisor (pid {Pid}) with {Workers} workers")]
    public static partial void Starting(ILogger logger, string version, int pid, int workers);

    [LoggerMessage(51, LogLevel.Information, "Listening at: {Url}")]
    public static partial void Listening(ILogger logger, string url);

    [LoggerMessage(52, LogLevel.Information, "Booting worker with pid: {Pid}")]
    public static partial void Booting(ILogger logger, int pid);

    [LoggerMessage(53, LogLevel.Information, "Worker {Pid} is serving ({Serving} of {Target} workers serving)")]
    public static partial void Serving(ILogger logger, int pid, int serving, int target);

    [LoggerMessage(54, LogLevel.Error, "Worker {Pid} died: {Cause}; starting a new one")]
    public static partial void Died(ILogger logger, int pid, string cause);

    [LoggerMessage(55, LogLevel.Error, "Worker {Pid} failed to boot ({Cause}); the app stays unserved until a boot succeeds, next try in {Seconds:F0} s")]
    public static partial void BootFailedRetrying(ILogger logger, int pid, string cause, double seconds);

    [LoggerMessage(56, LogLevel.Error, "Worker {Pid} failed to boot ({Cause}); stopping")]
    public static partial void BootFailed(ILogger logger, int pid, string cause);

    [LoggerMessage(57, LogLevel.Information, "Handling signal: {Signal}")]
    public static partial void HandlingSignal(ILogger logger, string signal);

    [LoggerMessage(58, LogLevel.Information, "Replacing worker {Pid}: {Reason}")]
    public static partial void Replacing(ILogger logger, int pid, string reason);

    [LoggerMessage(59, LogLevel.Information, "Draining worker {Pid}")]
    public static partial void Retiring(ILogger logger, int pid);

    [LoggerMessage(60, LogLevel.Information, "Worker {Pid} exited ({Cause})")]
    public static partial void Exited(ILogger logger, int pid, string cause);

    [LoggerMessage(61, LogLevel.Error, "Reload failed: new worker {Pid} did not boot ({Cause}); the old workers keep serving")]
    public static partial void ReloadFailed(ILogger logger, int pid, string cause);

    [LoggerMessage(62, LogLevel.Error, "Could not replace worker {Pid}: new worker {NewPid} did not boot ({Cause}); the old one keeps serving, next try in {Seconds} s")]
    public static partial void ReplaceFailed(ILogger logger, int pid, int newPid, string cause, double seconds);

    [LoggerMessage(69, LogLevel.Information, "Reloading: {File} changed (--reload)")]
    public static partial void ReloadingOnChange(ILogger logger, string file);

    [LoggerMessage(63, LogLevel.Information, "Reload complete: {Count} workers replaced")]
    public static partial void Reloaded(ILogger logger, int count);

    [LoggerMessage(64, LogLevel.Warning, "Worker {Pid} still running {Seconds:F0} s after it was asked to stop; killing it")]
    public static partial void Killing(ILogger logger, int pid, double seconds);

    [LoggerMessage(65, LogLevel.Information, "Number of workers: {Target}")]
    public static partial void Scaled(ILogger logger, int target);

    [LoggerMessage(66, LogLevel.Information, "Shutting down: supervisor")]
    public static partial void ShuttingDown(ILogger logger);

    [LoggerMessage(67, LogLevel.Warning, "Worker {Pid} uses {RssMiB} MiB of memory, over --max-rss {MaxMiB} MiB")]
    public static partial void OverRss(ILogger logger, int pid, long rssMiB, long maxMiB);

    [LoggerMessage(78, LogLevel.Warning, "Worker starts without metrics: {Reason}")]
    public static partial void MetricsSlotFailed(ILogger logger, string reason);

    [LoggerMessage(77, LogLevel.Information, "Metrics at: {Url}")]
    public static partial void MetricsAt(ILogger logger, string url);

    [LoggerMessage(68, LogLevel.Error, "Worker {Pid} is not serving {Seconds:F0} s after it started; killing it as a failed boot")]
    public static partial void BootTooSlow(ILogger logger, int pid, double seconds);

    [LoggerMessage(70, LogLevel.Information, "Reopened log files; asking the workers to reopen theirs")]
    public static partial void Reopened(ILogger logger);

    [LoggerMessage(71, LogLevel.Error, "Could not reopen a log file: {Reason}; still writing to the old one")]
    public static partial void ReopenFailed(ILogger logger, string reason);
}
