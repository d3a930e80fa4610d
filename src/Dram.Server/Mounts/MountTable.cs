using System.Text;
using Dram.Server.Wsgi;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Dram.Server.Mounts;

/// <summary>
/// The URL dispatch of PEP 3333's "URL Reconstruction", done by the server: each mounted app
/// owns a path prefix, the longest prefix that matches whole segments wins, and anything else
/// goes to the positional app (or gets 404 when there is none).
/// </summary>
/// <remarks>
/// Matching uses Kestrel's normalised <c>Request.Path</c> (percent-decoded except %2F, dot
/// segments removed), so "/one/../two/x" reaches the app at /two, and the static-file
/// middleware, which runs before the mounts, sees paths the same way. What the app is handed
/// comes from the raw target, decoded as PATH_INFO always is (%2F included), with dot segments
/// removed (RFC 3986 §5.2.4): it must still lie under the prefix. It does not only when %2F-encoded
/// dot segments make the two readings disagree ("/one/x%2F..%2F..%2Ftwo"); such a request gets 404
/// rather than a PATH_INFO that climbs out of the app's prefix.
/// </remarks>
internal sealed class MountTable
{
    private readonly Entry[] _entries;
    private readonly RequestDelegate? _fallback;

    /// <param name="mounts">Each prefix (distinct, normalised by <see cref="AppMount.NormalizePrefix"/>) and its app's handler.</param>
    /// <param name="fallback">The positional app's handler; null answers 404 for paths under no prefix.</param>
    public MountTable(IEnumerable<(string Prefix, RequestDelegate Handler)> mounts, RequestDelegate? fallback)
    {
        // Longest first: the first match is the longest, and equal lengths cannot both match.
        _entries = [.. mounts
            .Select(m => new Entry(m.Prefix, Encoding.Latin1.GetString(Encoding.UTF8.GetBytes(m.Prefix)), m.Handler))
            .OrderByDescending(e => e.Prefix.Length)];
        _fallback = fallback;
    }

    public Task Dispatch(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "";
        foreach (var entry in _entries)
        {
            if (!PathSegments.IsUnder(path, entry.Prefix))
            {
                continue;
            }

            if (Resolve(context, entry) is not { } mounted)
            {
                return NotFound(context);
            }

            context.Features.Set(mounted);
            return entry.Handler(context);
        }

        return _fallback is { } fallback ? fallback(context) : NotFound(context);
    }

    private static MountedPath? Resolve(HttpContext context, Entry entry)
    {
        var raw = context.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget;
        var (rawPath, _) = RequestTarget.Split(raw);
        var decoded = PathSegments.RemoveDotSegments(RequestTarget.PercentDecode(rawPath));
        return PathSegments.IsUnder(decoded, entry.ScriptName)
            ? new MountedPath(entry.ScriptName, entry.Prefix, decoded[entry.ScriptName.Length..])
            : null;
    }

    private static Task NotFound(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status404NotFound;
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync("Not Found\n");
    }

    /// <param name="Prefix">As text, compared with Kestrel's decoded path.</param>
    /// <param name="ScriptName">As UTF-8 bytes read as latin-1, compared with the decoded raw path.</param>
    private sealed record Entry(string Prefix, string ScriptName, RequestDelegate Handler);
}
