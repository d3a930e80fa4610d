using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Headers;
using Microsoft.Net.Http.Headers;

namespace Dram.Server.Hosting;

/// <summary>
/// Answers a GET or HEAD for one open static file: validators (ETag, Last-Modified), the
/// conditional requests of RFC 9110 §13 evaluated in the order of §13.2.2, and single byte
/// ranges (§14). The body is read from the descriptor straight into Kestrel's output buffers.
/// </summary>
internal static class StaticFileResponse
{
    private const int Chunk = 64 * 1024;

    /// <summary>A strong validator from the file's size and modification time, tagged with the content coding so each variant has its own.</summary>
    public static EntityTagHeaderValue ETagOf(StaticFile file, string? encoding) => new(
        string.Create(CultureInfo.InvariantCulture, $"\"{file.LastWriteUtc.Ticks:x}-{file.Length:x}{(encoding is null ? "" : "-" + encoding)}\""));

    public static async Task SendAsync(HttpContext context, StaticFile file, string contentType, string? encoding, bool varies)
    {
        var request = context.Request.GetTypedHeaders();
        var response = context.Response;
        var etag = ETagOf(file, encoding);

        // HTTP dates have whole seconds (RFC 9110 §5.6.7); compare at that precision.
        var modified = new DateTimeOffset(file.LastWriteUtc.Ticks - (file.LastWriteUtc.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
        var headers = response.GetTypedHeaders();
        headers.ETag = etag;
        headers.LastModified = modified;
        if (varies)
        {
            // The representation depends on Accept-Encoding whenever a precompressed sibling exists (RFC 9110 §12.5.5).
            response.Headers.Vary = HeaderNames.AcceptEncoding;
        }

        switch (Precondition(request, etag, modified))
        {
            case StatusCodes.Status412PreconditionFailed:
                response.StatusCode = StatusCodes.Status412PreconditionFailed;
                return;
            case StatusCodes.Status304NotModified:
                response.StatusCode = StatusCodes.Status304NotModified;
                return;
        }

        response.ContentType = contentType;
        response.Headers.AcceptRanges = "bytes";
        if (encoding is not null)
        {
            response.Headers.ContentEncoding = encoding;
        }

        long offset = 0, count = file.Length;
        if (HttpMethods.IsGet(context.Request.Method) && request.Range is { } range && RangeApplies(request, etag, modified))
        {
            switch (SingleRange(range, file.Length))
            {
                case null:
                    break; // several ranges or another unit: the whole file (a server may ignore Range, §14.2)
                case { Length: 0 }:
                    // Unsatisfiable (§15.5.17): say how long the representation is.
                    response.StatusCode = StatusCodes.Status416RangeNotSatisfiable;
                    response.Headers.ContentRange = "bytes */" + file.Length.ToString(CultureInfo.InvariantCulture);
                    response.ContentType = null;
                    response.ContentLength = 0;
                    return;
                case var (from, length):
                    (offset, count) = (from, length);
                    response.StatusCode = StatusCodes.Status206PartialContent;
                    headers.ContentRange = new ContentRangeHeaderValue(from, from + length - 1, file.Length);
                    break;
            }
        }

        response.ContentLength = count;
        if (HttpMethods.IsHead(context.Request.Method))
        {
            return;
        }

        await CopyAsync(context, file, offset, count).ConfigureAwait(false);
    }

    /// <summary>RFC 9110 §13.2.2 steps 1-4: 412, 304, or 0 to go on.</summary>
    private static int Precondition(RequestHeaders request, EntityTagHeaderValue etag, DateTimeOffset modified)
    {
        if (request.IfMatch is { Count: > 0 } ifMatch)
        {
            // §13.1.1: strong comparison; "*" matches any current representation.
            if (!ifMatch.Any(tag => tag.Equals(EntityTagHeaderValue.Any) || tag.Compare(etag, useStrongComparison: true)))
            {
                return StatusCodes.Status412PreconditionFailed;
            }
        }
        else if (request.IfUnmodifiedSince is { } unmodifiedSince && modified > unmodifiedSince)
        {
            return StatusCodes.Status412PreconditionFailed;
        }

        if (request.IfNoneMatch is { Count: > 0 } ifNoneMatch)
        {
            // §13.1.2: weak comparison; a match on GET/HEAD is 304.
            return ifNoneMatch.Any(tag => tag.Equals(EntityTagHeaderValue.Any) || tag.Compare(etag, useStrongComparison: false))
                ? StatusCodes.Status304NotModified
                : 0;
        }

        return request.IfModifiedSince is { } modifiedSince && modified <= modifiedSince ? StatusCodes.Status304NotModified : 0;
    }

    /// <summary>§13.1.5 If-Range: the range is honoured only when the validator still matches (strongly, or the exact date).</summary>
    private static bool RangeApplies(RequestHeaders request, EntityTagHeaderValue etag, DateTimeOffset modified) => request.IfRange switch
    {
        null => true,
        { EntityTag: { } tag } => tag.Compare(etag, useStrongComparison: true),
        { LastModified: { } date } => date == modified,
        _ => false,
    };

    /// <summary>One satisfiable bytes range as (offset, length); (0, 0) when unsatisfiable; null when Range is to be ignored.</summary>
    private static (long Offset, long Length)? SingleRange(RangeHeaderValue range, long size)
    {
        if (!string.Equals(range.Unit.Value, "bytes", StringComparison.OrdinalIgnoreCase) || range.Ranges.Count != 1)
        {
            return null;
        }

        var item = range.Ranges.First();
        if (item.From is { } from)
        {
            if (from >= size)
            {
                return (0, 0);
            }

            var last = item.To is { } to ? Math.Min(to, size - 1) : size - 1;
            return last < from ? null : (from, last - from + 1);
        }

        // A suffix range "-N": the last N bytes (§14.1.2); "-0" cannot be satisfied.
        var suffix = Math.Min(item.To ?? 0, size);
        return suffix == 0 ? (0, 0) : (size - suffix, suffix);
    }

    private static async Task CopyAsync(HttpContext context, StaticFile file, long offset, long count)
    {
        var writer = context.Response.BodyWriter;
        var aborted = context.RequestAborted;
        while (count > 0)
        {
            var memory = writer.GetMemory((int)Math.Min(count, Chunk));
            var want = (int)Math.Min(memory.Length, count);
            var read = await RandomAccess.ReadAsync(file.Handle, memory[..want], offset, aborted).ConfigureAwait(false);
            if (read == 0)
            {
                // The file shrank after its length was sent: end the connection rather than send a short body.
                context.Abort();
                return;
            }

            writer.Advance(read);
            offset += read;
            count -= read;
            var flushed = await writer.FlushAsync(aborted).ConfigureAwait(false);
            if (flushed.IsCanceled || flushed.IsCompleted)
            {
                return;
            }
        }
    }
}
