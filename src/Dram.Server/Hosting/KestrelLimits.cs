using Dram.Server.Logging;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Dram.Server.Hosting;

/// <summary>
/// Dram's request limits (gunicorn's names, defaults documented in the settings catalogue) turned
/// into Kestrel's. Kestrel answers a violation itself, before any middleware: 414 for the request
/// line, 431 for the header count or total size, 408 for headers or a body arriving too slowly;
/// <see cref="BadRequestLog"/> turns its debug events into one error log line naming the peer.
/// The one limit Kestrel lacks, the size of a single field, is <see cref="FieldSizeLimit"/>.
/// </summary>
internal static class KestrelLimits
{
    /// <summary>Kestrel's request buffer: what "no limit" on the line or the headers comes to.</summary>
    public const int RequestBuffer = 1 << 20;

    /// <summary>gunicorn's most header fields, also what 0 means for --limit-request-fields.</summary>
    public const int MaxFields = 32768;

    /// <summary>Kestrel's grace period before it measures a body's data rate (its default, 5 s).</summary>
    public static readonly TimeSpan BodyRateGrace = TimeSpan.FromSeconds(5);

    public static void Apply(KestrelServerOptions kestrel, DramServerOptions options)
    {
        var limits = kestrel.Limits;
        limits.MaxRequestBodySize = options.MaxRequestBody;

        // gunicorn counts the request line without its CRLF; Kestrel counts it with (measured at the
        // boundary in LimitsTests). 0 means no limit in gunicorn; here the request buffer bounds it.
        limits.MaxRequestLineSize = RequestLineSize(options.LimitRequestLine);

        var fields = options.LimitRequestFields is > 0 and var n ? n : MaxFields;
        limits.MaxRequestHeaderCount = fields;

        // Kestrel has no per-field limit, only a total (32 KiB by default, which would refuse a few
        // 8 KiB cookies gunicorn accepts). The total is what the count and field size allow
        // together, each line with its CRLF, within the request buffer.
        var perField = options.LimitRequestFieldSize > 0 ? (long)options.LimitRequestFieldSize + 2 : RequestBuffer;
        limits.MaxRequestHeadersTotalSize = (int)Math.Min(fields * perField, RequestBuffer);
        limits.MaxRequestBufferSize = Math.Max(RequestBuffer, limits.MaxRequestLineSize);

        // HTTP/2 has a per-field limit of its own (16 KiB by default; over it the whole connection
        // fails, not one request): let it admit any field the header total does, so FieldSizeLimit
        // answers 431 on HTTP/2 as on HTTP/1.1.
        limits.Http2.MaxRequestHeaderFieldSize = Math.Max(limits.Http2.MaxRequestHeaderFieldSize, limits.MaxRequestHeadersTotalSize);

        // Kestrel keeps idle connections 130 s; Python servers a few seconds (gunicorn 2, uvicorn 5).
        limits.KeepAliveTimeout = options.KeepAlive;
        limits.RequestHeadersTimeout = options.HeaderTimeout;
        limits.MinRequestBodyDataRate = options.MinBodyRate > 0 ? new MinDataRate(options.MinBodyRate, BodyRateGrace) : null;

        // Connections are tracked only to name the peer in a limit's log line (Kestrel's own
        // events carry the connection id alone). Endpoint defaults apply to every Listen* call
        // made after this one.
        kestrel.ConfigureEndpointDefaults(listen => listen.Use(BadRequestLog.TrackPeer));
    }

    /// <summary>Kestrel's MaxRequestLineSize for gunicorn's limit_request_line.</summary>
    public static int RequestLineSize(int limitRequestLine) => limitRequestLine > 0 ? limitRequestLine + 2 : RequestBuffer;
}
