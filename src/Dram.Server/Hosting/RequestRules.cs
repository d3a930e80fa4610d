using System.Buffers;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Dram.Server.Hosting;

/// <summary>
/// The request checks Dram adds to Kestrel's parser: requests Kestrel lets through but that the
/// RFCs make malformed or ambiguous. <see cref="Check"/> runs on Kestrel's thread before a request
/// is queued for Python; a violation is answered 400 with <c>Connection: close</c> and the app
/// never runs. <see cref="CheckTrailers"/> runs when the body reader reaches the end of a chunked
/// body. Each rule costs a few comparisons; the value scan is vectorised.
/// </summary>
internal static class RequestRules
{
    /// <summary>
    /// CTL characters other than HTAB (RFC 5234 B.1: %x00-1F and %x7F). NUL, CR and LF are in the
    /// set too: with latin-1 header decoding, Kestrel's parser passes some of them through.
    /// </summary>
    private static readonly SearchValues<char> s_controls = SearchValues.Create(
        "\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008" +
        "\u000A\u000B\u000C\u000D\u000E\u000F\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001A\u001B\u001C\u001D\u001E\u001F" +
        "\u007F");

    /// <summary>
    /// Fields that must not arrive in a trailer section (RFC 9110 §6.5.1: a field needed before the
    /// content is read cannot be processed after it): message framing (Content-Length,
    /// Transfer-Encoding, Trailer), routing (Host), connection control (Connection, Keep-Alive,
    /// Upgrade, TE, Proxy-Connection), request modifiers (Expect, Max-Forwards) and authentication
    /// (Authorization, Proxy-Authorization). Others, such as Content-Type or Vary, are tolerated
    /// and, like all trailers, never reach environ.
    /// </summary>
    private static readonly HashSet<string> s_forbiddenTrailers = new(StringComparer.OrdinalIgnoreCase)
    {
        "Content-Length", "Transfer-Encoding", "Trailer",
        "Host",
        "Connection", "Keep-Alive", "Upgrade", "TE", "Proxy-Connection",
        "Expect", "Max-Forwards",
        "Authorization", "Proxy-Authorization",
    };

    /// <summary>Where Kestrel puts a Content-Length that came with Transfer-Encoding.</summary>
    private const string KestrelMovedContentLength = "X-Content-Length";

    /// <summary>Why the request must be refused, or null when it passes. The reasons are constant strings (no allocation).</summary>
    public static string? Check(HttpRequest request)
    {
        var headers = request.Headers;

        // RFC 9110 §8.3 and §5.3: Content-Type is a singleton field; several values leave the
        // content's media type ambiguous (one intermediary may act on the first, the app on another).
        if (headers.ContentType.Count > 1)
        {
            return "duplicate Content-Type (RFC 9110 §5.3, §8.3)";
        }

        if (headers.TransferEncoding.Count > 0)
        {
            // RFC 9112 §6.1: a Transfer-Encoding in an HTTP/1.0 message MUST be treated as faulty
            // framing (HTTP/1.0 has no chunked coding), so Dram refuses it rather than decode it.
            if (HttpProtocol.IsHttp10(request.Protocol))
            {
                return "Transfer-Encoding in an HTTP/1.0 request (RFC 9112 §6.1)";
            }

            // RFC 9112 §6.1 and §6.3: Content-Length with Transfer-Encoding is a request smuggling
            // pattern that "ought to be handled as an error"; a server MAY reject it and MUST
            // close the connection either way. Kestrel frames by Transfer-Encoding, closes, and
            // moves the Content-Length value to an X-Content-Length header, which is all Dram sees
            // of it: a chunked request carrying X-Content-Length is therefore refused too.
            if (headers.ContainsKey(KestrelMovedContentLength))
            {
                return "both Content-Length and Transfer-Encoding (RFC 9112 §6.1, §6.3)";
            }
        }

        // Content-Length = 1*DIGIT (RFC 9110 §8.6) cannot be checked here: Kestrel parses the value
        // to a number (taking a leading sign: "-0" is 0, "+1" is 1) and keeps no raw text.

        // RFC 9110 §5.5 and §5.1: field values are VCHAR, obs-text, SP and HTAB; field names are
        // tokens. Other CTL characters (BEL, DEL, NUL...) are refused, not passed to the app.
        foreach (var (name, values) in headers)
        {
            if (HasControl(name, values))
            {
                return "control character in a header field (RFC 9110 §5.1, §5.5)";
            }
        }

        return null;
    }

    /// <summary>
    /// The first forbidden or malformed field of a chunked request's trailer section (RFC 9110
    /// §6.5.1 and §5.5), or null. Call once the body has been read to its end.
    /// </summary>
    public static string? CheckTrailers(IHeaderDictionary trailers)
    {
        foreach (var (name, values) in trailers)
        {
            if (s_forbiddenTrailers.Contains(name))
            {
                return name;
            }

            if (HasControl(name, values))
            {
                return name + " (control character)";
            }
        }

        return null;
    }

    private static bool HasControl(string name, StringValues values)
    {
        if (name.AsSpan().ContainsAny(s_controls))
        {
            return true;
        }

        foreach (var value in values)
        {
            if (value is not null && value.AsSpan().ContainsAny(s_controls))
            {
                return true;
            }
        }

        return false;
    }
}
