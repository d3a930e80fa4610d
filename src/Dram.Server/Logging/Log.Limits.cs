using Microsoft.Extensions.Logging;

namespace Dram.Server.Logging;

/// <summary>Request limits and log files (ids 90–99). Kestrel's own refusals are rewritten by <see cref="BadRequestLog"/>.</summary>
internal static partial class Log
{
    [LoggerMessage(90, LogLevel.Information, "Refused a request from {Peer} with 431: header field {Name} longer than --limit-request-field_size {Limit} bytes")]
    public static partial void FieldTooLarge(ILogger logger, string peer, string name, string limit);

    [LoggerMessage(91, LogLevel.Information, "Reopened log files")]
    public static partial void LogFilesReopened(ILogger logger);

    [LoggerMessage(92, LogLevel.Error, "Could not reopen a log file: {Reason}; still writing to the old one")]
    public static partial void LogFileReopenFailed(ILogger logger, string reason);
}
