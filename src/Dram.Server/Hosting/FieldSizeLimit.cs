using System.Globalization;
using Dram.Server.Logging;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Dram.Server.Hosting;

/// <summary>
/// gunicorn's limit_request_field_size, which Kestrel lacks (it bounds the header section as a
/// whole): a field whose name, ": " and value are longer than the limit is answered 431 before the
/// app runs. gunicorn answers 400; RFC 6585 §5 defines 431 for exactly this, "a single header field
/// is too large", and RFC 9110 §15.5.1 leaves 400 for malformed syntax, so Dram says 431, as Kestrel
/// does for its own header limits. A middleware after the access log (so the 431 is logged there
/// too), added only when the limit is on; it costs a length comparison per field.
/// </summary>
internal static class FieldSizeLimit
{
    public static void UseIfEnabled(WebApplication web, DramServerOptions options, ErrorLog errorLog)
    {
        var limit = options.LimitRequestFieldSize;
        if (limit <= 0)
        {
            return;
        }

        var logger = errorLog.CreateLogger(BadRequestLog.LogCategory);
        web.Use((context, next) =>
        {
            if (FirstOver(context.Request.Headers, limit) is not { } name)
            {
                return next(context);
            }

            Log.FieldTooLarge(logger, BadRequestLog.Describe(context), name, limit.ToString(CultureInfo.InvariantCulture));
            context.Response.StatusCode = StatusCodes.Status431RequestHeaderFieldsTooLarge;

            // Its body, if any, is not read: closing is cheaper than draining it.
            ConnectionClose.AfterResponse(context);
            return Task.CompletedTask;
        });
    }

    /// <summary>The name of the first field over <paramref name="limit"/> bytes, or null. Latin-1 decoding makes one char one byte.</summary>
    public static string? FirstOver(IHeaderDictionary headers, int limit)
    {
        foreach (var (name, values) in headers)
        {
            foreach (var value in values)
            {
                if (name.Length + 2 + (value?.Length ?? 0) > limit)
                {
                    return name;
                }
            }
        }

        return null;
    }
}
