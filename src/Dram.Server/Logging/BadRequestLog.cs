using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Dram.Server.Logging;

/// <summary>
/// Requests Kestrel refuses before Dram sees them, as error log lines. Kestrel logs them at Debug
/// under <see cref="Category"/> with the connection id only; a limit's violation should reach an
/// operator at the default level, with the peer's address and the setting that refused it
/// (gunicorn names the peer too). Violations of a limit are logged at Information under
/// <see cref="LogCategory"/> (quiet them with --log-config); other malformed requests stay at Debug.
/// </summary>
internal static class BadRequestLog
{
    /// <summary>Kestrel's category for refused requests.</summary>
    public const string Category = "Microsoft.AspNetCore.Server.Kestrel.BadRequests";

    /// <summary>The category Dram's lines about them are written under.</summary>
    public const string LogCategory = "dram.limits";

    // Kestrel's event ids in Category (KestrelTrace.BadRequests): the request was refused with a
    // status; the body arrived under the minimum data rate.
    private const int ConnectionBadRequest = 17;
    private const int RequestBodyMinimumDataRateNotSatisfied = 27;

    private static readonly ConcurrentDictionary<string, EndPoint?> s_peers = new(StringComparer.Ordinal);

    /// <summary>
    /// Connection middleware: remembers each open connection's peer by its id, for the log line.
    /// A dictionary entry per open connection; Kestrel's connection ids are unique in the process.
    /// </summary>
    public static ConnectionDelegate TrackPeer(ConnectionDelegate next) => async connection =>
    {
        s_peers[connection.ConnectionId] = connection.RemoteEndPoint;
        try
        {
            await next(connection).ConfigureAwait(false);
        }
        finally
        {
            s_peers.TryRemove(connection.ConnectionId, out _);
        }
    };

    /// <summary>"127.0.0.1:54321", "[::1]:54321", or "a Unix socket peer".</summary>
    public static string Describe(EndPoint? peer) => peer switch
    {
        IPEndPoint ip => ip.ToString(),
        null => "an unknown peer",
        _ => "a Unix socket peer",
    };

    /// <summary>A logger in <see cref="LogCategory"/>, for refusals found while handling <paramref name="context"/> (rare: created on demand, cached by the factory).</summary>
    public static ILogger Logger(HttpContext context) =>
        context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(LogCategory);

    /// <summary>The client of <paramref name="context"/> as Kestrel's connection has it: the peer itself before the proxy-header step runs (Kestrel's refusals, the per-field 431), the forwarded client after it (413, 400).</summary>
    public static string Describe(HttpContext context) =>
        context.Connection.RemoteIpAddress is { } ip ? Describe(new IPEndPoint(ip, context.Connection.RemotePort)) : "a Unix socket peer";

    /// <summary>The line for one of Kestrel's events in <see cref="Category"/>, or null to treat it as any other message.</summary>
    public static (LogLevel Level, string Message)? Describe<TState>(EventId eventId, TState state, Exception? exception, DramServerOptions? limits)
    {
        var peer = Describe(PeerOf(state));
        switch (eventId.Id)
        {
            case RequestBodyMinimumDataRateNotSatisfied:
                var rate = limits?.MinBodyRate.ToString(CultureInfo.InvariantCulture) ?? "?";
                return (LogLevel.Information, $"Request body from {peer} arrived slower than --min-body-rate {rate} bytes/s; answered 408 and closed the connection");
            case ConnectionBadRequest when exception is BadHttpRequestException bad:
                return Refused(bad, peer, limits);
            default:
                return null;
        }
    }

    private static (LogLevel Level, string Message)? Refused(BadHttpRequestException bad, string peer, DramServerOptions? limits)
    {
        var limit = (bad.StatusCode, limits) switch
        {
            (StatusCodes.Status414UriTooLong, { } o) => $"request line longer than --limit-request-line {Bytes(o.LimitRequestLine)}",
            (StatusCodes.Status431RequestHeaderFieldsTooLarge, { } o) when bad.Message.Contains("too many", StringComparison.OrdinalIgnoreCase) =>
                $"more header fields than --limit-request-fields {(o.LimitRequestFields > 0 ? o.LimitRequestFields : Hosting.KestrelLimits.MaxFields).ToString(CultureInfo.InvariantCulture)}",
            (StatusCodes.Status431RequestHeaderFieldsTooLarge, _) =>
                "header section larger than --limit-request-fields × --limit-request-field_size allow (at most 1 MiB)",
            (StatusCodes.Status408RequestTimeout, { } o) when !bad.Message.Contains("body", StringComparison.OrdinalIgnoreCase) =>
                $"request line and headers not received within --header-timeout {o.HeaderTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s",
            (StatusCodes.Status408RequestTimeout, _) => null, // the body's rate: already logged by event 27
            _ => "",
        };
        return limit switch
        {
            null => (LogLevel.None, ""),
            "" => (LogLevel.Debug, $"Refused a malformed request from {peer} with {bad.StatusCode}: {bad.Message}"),
            _ => (LogLevel.Information, $"Refused a request from {peer} with {bad.StatusCode}: {limit}"),
        };
    }

    private static string Bytes(int limit) => limit > 0 ? limit.ToString(CultureInfo.InvariantCulture) + " bytes" : "0 (1 MiB)";

    private static EndPoint? PeerOf<TState>(TState state)
    {
        if (state is IReadOnlyList<KeyValuePair<string, object?>> values)
        {
            foreach (var (key, value) in values)
            {
                if (key == "ConnectionId" && value is string id && s_peers.TryGetValue(id, out var peer))
                {
                    return peer;
                }
            }
        }

        return null;
    }
}
