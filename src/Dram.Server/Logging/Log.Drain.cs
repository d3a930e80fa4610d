using Microsoft.Extensions.Logging;

namespace Dram.Server.Logging;

/// <summary>The messages of a graceful stop (ids 40–49).</summary>
internal static partial class Log
{
    [LoggerMessage(40, LogLevel.Information, "Draining: stopped accepting; {Open} open connections finish their current request, idle ones close at the keep-alive timeout")]
    public static partial void Draining(ILogger logger, long open);

    [LoggerMessage(41, LogLevel.Warning, "Graceful timeout reached with {Open} connections still open; aborting them")]
    public static partial void DrainTimedOut(ILogger logger, long open);
}
