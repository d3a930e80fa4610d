using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Net.Http.Headers;

namespace Dram.Server.Hosting;

/// <summary>
/// <c>--static /prefix=DIR</c>: a middleware ahead of the app that answers every request under a
/// static prefix from the files in DIR, without Python. Dispatch is on Kestrel's
/// <c>Request.Path</c> (percent-decoded except %2F, dot segments removed), by whole segments,
/// case-sensitively (the file system is), the longest prefix first. Under a prefix the route
/// answers everything itself: a missing file or a directory is 404 and GET/HEAD are the only
/// methods (405 otherwise); nothing falls through to the app, so what a URL means never depends
/// on which files happen to exist. No directory listings and no index files.
/// Written here rather than with ASP.NET Core's StaticFileMiddleware: that one falls through to the
/// next middleware on a miss or another method, knows no precompressed siblings, and reopens files
/// by path through an IFileProvider, where the symlink check must hold for the descriptor it reads.
/// </summary>
internal sealed class StaticFiles
{
    private static readonly FileExtensionContentTypeProvider s_contentTypes = new();

    // Preferred first: brotli is smaller than gzip for the same text (RFC 7932).
    private static readonly (string Coding, string Suffix)[] s_precompressed = [("br", ".br"), ("gzip", ".gz")];

    private readonly (StaticRoute Route, StaticDirectory Files)[] _routes;

    private StaticFiles(IEnumerable<StaticRoute> routes)
    {
        _routes = [.. routes.OrderByDescending(r => r.Prefix.Length).Select(r => (r, new StaticDirectory(r.Directory)))];
    }

    /// <summary>
    /// Adds the static routes to <paramref name="web"/> when there are any; call it before the app.
    /// </summary>
    /// <exception cref="DramStartupException">Two routes share a prefix, or a directory cannot be resolved (exit code 2).</exception>
    public static void UseIfConfigured(WebApplication web, DramServerOptions options)
    {
        if (options.Statics.Count == 0)
        {
            return;
        }

        if (options.Statics.GroupBy(r => r.Prefix, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw new DramStartupException(ExitCodes.Usage, $"static prefix {twice.Key} is given more than once");
        }

        var statics = new StaticFiles(options.Statics);
        web.Use(next => context => statics.Dispatch(context, next));
    }

    private Task Dispatch(HttpContext context, RequestDelegate next)
    {
        var path = context.Request.Path.Value ?? "";
        foreach (var (route, files) in _routes)
        {
            if (route.Remainder(path) is { } relative)
            {
                return ServeAsync(context, files, relative);
            }
        }

        return next(context);
    }

    private static async Task ServeAsync(HttpContext context, StaticDirectory files, string relative)
    {
        var response = context.Response;
        if (RequestRules.Check(context.Request) is not null)
        {
            // Ambiguous framing: the same 400 and closed connection the app's requests get.
            response.StatusCode = StatusCodes.Status400BadRequest;
            ConnectionClose.AfterResponse(context);
            return;
        }

        var method = context.Request.Method;
        if (!HttpMethods.IsGet(method) && !HttpMethods.IsHead(method))
        {
            // RFC 9110 §15.5.6: 405 must list the allowed methods.
            response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            response.Headers.Allow = "GET, HEAD";
            return;
        }

        using var original = files.Open(relative);
        if (original is null)
        {
            response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        if (!s_contentTypes.TryGetContentType(relative, out var contentType))
        {
            contentType = "application/octet-stream";
        }

        var accepted = context.Request.GetTypedHeaders().AcceptEncoding;
        var varies = false;
        foreach (var (coding, suffix) in s_precompressed)
        {
            if (!Accepts(accepted, coding))
            {
                // Not sendable to this client, but its existence still makes the answer vary.
                varies |= files.Exists(relative + suffix);
                continue;
            }

            using var sibling = files.Open(relative + suffix);
            if (sibling is not null)
            {
                await SendAsync(context, sibling, contentType, coding, varies: true).ConfigureAwait(false);
                return;
            }
        }

        await SendAsync(context, original, contentType, null, varies).ConfigureAwait(false);
    }

    private static async Task SendAsync(HttpContext context, StaticFile file, string contentType, string? coding, bool varies)
    {
        try
        {
            await StaticFileResponse.SendAsync(context, file, contentType, coding, varies).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client left mid-body; nothing to answer.
        }
    }

    /// <summary>RFC 9110 §12.5.3: the coding is acceptable when named (or matched by "*") with a non-zero weight.</summary>
    private static bool Accepts(IList<StringWithQualityHeaderValue> accepted, string coding)
    {
        double? star = null;
        foreach (var item in accepted)
        {
            if (string.Equals(item.Value.Value, coding, StringComparison.OrdinalIgnoreCase))
            {
                return item.Quality is not 0;
            }

            if (item.Value.Value == "*")
            {
                star = item.Quality ?? 1;
            }
        }

        return star is > 0;
    }
}
