using Microsoft.Extensions.Logging;

namespace Dram.Server.Logging;

/// <summary>
/// Every message the server logs, with a stable event id per kind (Kestrel's KestrelTrace
/// pattern): app errors, protocol violations by the app, client disconnects and internal faults
/// are distinct so operators can filter them.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "Starting dram {Version} (pid {Pid})")]
    public static partial void Starting(ILogger logger, string version, int pid);

    [LoggerMessage(2, LogLevel.Information, "Using Python {Version} ({Executable})")]
    public static partial void UsingPython(ILogger logger, string version, string executable);

    [LoggerMessage(3, LogLevel.Information, "Serving WSGI app {App} with up to {Threads} Python threads")]
    public static partial void Serving(ILogger logger, string app, int threads);

    [LoggerMessage(4, LogLevel.Information, "Listening at: {Url}")]
    public static partial void Listening(ILogger logger, string url);

    [LoggerMessage(5, LogLevel.Information, "Shutting down")]
    public static partial void ShuttingDown(ILogger logger);

    [LoggerMessage(10, LogLevel.Error, "Error handling request {Method} {Target}\n{Traceback}")]
    public static partial void AppError(ILogger logger, string method, string target, string traceback);

    [LoggerMessage(11, LogLevel.Error, "Error after the response started for {Method} {Target}; connection aborted\n{Traceback}")]
    public static partial void AppErrorAfterStart(ILogger logger, string method, string target, string traceback);

    [LoggerMessage(12, LogLevel.Error, "Invalid response from the app for {Method} {Target}: {Reason}")]
    public static partial void InvalidResponse(ILogger logger, string method, string target, string reason);

    [LoggerMessage(13, LogLevel.Warning, "Dropped hop-by-hop header {Header} set by the app for {Method} {Target} (RFC 9110 §7.6.1)")]
    public static partial void DroppedHopByHop(ILogger logger, string header, string method, string target);

    [LoggerMessage(14, LogLevel.Error, "Response body for {Method} {Target} is {Problem} than its Content-Length {ContentLength} ({Written} bytes written); connection closed")]
    public static partial void ContentLengthMismatch(ILogger logger, string method, string target, string problem, long contentLength, long written);

    [LoggerMessage(15, LogLevel.Error, "Error in close() of the response for {Method} {Target}\n{Traceback}")]
    public static partial void CloseError(ILogger logger, string method, string target, string traceback);

    [LoggerMessage(20, LogLevel.Debug, "Dropped request header {Header}: names with '_' could spoof others in environ")]
    public static partial void DroppedUnderscoreHeader(ILogger logger, string header);

    [LoggerMessage(21, LogLevel.Debug, "Client disconnected during {Method} {Target}")]
    public static partial void ClientDisconnected(ILogger logger, string method, string target);

    [LoggerMessage(22, LogLevel.Debug, "Sent {Bytes} bytes of {File} from .NET without Python")]
    public static partial void FileSent(ILogger logger, long bytes, string file);

    [LoggerMessage(23, LogLevel.Debug, "Rejected request {Method} {Target} with 400 before the app: {Reason}")]
    public static partial void RequestRejected(ILogger logger, string method, string target, string reason);

    [LoggerMessage(16, LogLevel.Error, "Request {Method} {Target} still running after --timeout {Seconds} s: RequestTimeout raised in its thread")]
    public static partial void RequestTimedOut(ILogger logger, string method, string target, double seconds);

    [LoggerMessage(17, LogLevel.Critical, "Request {Method} {Target} stuck outside Python for {Seconds:F0} s despite RequestTimeout: this worker must be replaced")]
    public static partial void RequestStuck(ILogger logger, string method, string target, double seconds);

    [LoggerMessage(18, LogLevel.Warning, "Refused {Method} with 503: {MaxPending} requests already wait for a Python thread (--max-pending)")]
    public static partial void Overloaded(ILogger logger, string method, int maxPending);

    [LoggerMessage(30, LogLevel.Critical, "Internal error in Dram")]
    public static partial void InternalError(ILogger logger, Exception exception);

    [LoggerMessage(50, LogLevel.Information, "Serving ASGI app {App} on the {Loop} event loop")]
    public static partial void ServingAsgi(ILogger logger, string app, string loop);

    [LoggerMessage(51, LogLevel.Error, "ASGI protocol error in {Method} {Target}: {Problem}")]
    public static partial void AsgiProtocolError(ILogger logger, string method, string target, string problem);

    [LoggerMessage(52, LogLevel.Error, "ASGI app returned without {What} for {Method} {Target}")]
    public static partial void AsgiNoResponse(ILogger logger, string method, string target, string what);

    [LoggerMessage(53, LogLevel.Error, "Error in the app after its response to {Method} {Target} completed\n{Traceback}")]
    public static partial void AppErrorAfterResponse(ILogger logger, string method, string target, string traceback);

    [LoggerMessage(54, LogLevel.Information, "ASGI lifespan: {Message}")]
    public static partial void Lifespan(ILogger logger, string message);

    [LoggerMessage(55, LogLevel.Warning, "ASGI lifespan unsupported by the app, serving without it: {Detail}")]
    public static partial void LifespanUnsupported(ILogger logger, string detail);

    [LoggerMessage(56, LogLevel.Error, "ASGI lifespan shutdown failed: {Message}")]
    public static partial void LifespanShutdownFailed(ILogger logger, string message);

    [LoggerMessage(57, LogLevel.Error, "Event loop error: {Message}")]
    public static partial void LoopError(ILogger logger, string message);

    [LoggerMessage(70, LogLevel.Information, "Mounted {Interface} app {App} at {Prefix}")]
    public static partial void Mounted(ILogger logger, string @interface, string app, string prefix);

    [LoggerMessage(71, LogLevel.Information, "No APP given: paths under no --mount prefix get 404")]
    public static partial void NoRootApp(ILogger logger);
}
