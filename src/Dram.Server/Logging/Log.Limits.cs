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

    [LoggerMessage(93, LogLevel.Information, "Refused a request from {Peer} with 413: body of {Length} bytes larger than --max-request-body {Limit} bytes")]
    public static partial void BodyTooLarge(ILogger logger, string peer, long length, long limit);

    [LoggerMessage(94, LogLevel.Information, "Refused a request from {Peer} with 413: body larger than --max-request-body {Limit} bytes")]
    public static partial void ChunkedBodyTooLarge(ILogger logger, string peer, long limit);

    [LoggerMessage(95, LogLevel.Debug, "The app raised after the request body of {Method} {Target} was refused ({Status}); answered {Status}\n{Traceback}")]
    public static partial void AppErrorAfterBodyRefused(ILogger logger, string method, string target, int status, string traceback);
}
