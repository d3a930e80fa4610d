using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Dram.Server.Logging;

/// <summary>
/// The access log (<c>--access-log</c>): one line per request, written when the request delegate
/// returns (for ASGI, when the last body has been handed to Kestrel), also when it throws. The
/// middleware is only added when the log is on, so it costs nothing otherwise. Lines are gunicorn's
/// <c>access_log_format</c> (<see cref="AccessLogFormat"/>) or, with <c>--access-log-json</c>, one
/// JSON object per line. Requests Kestrel refuses before any middleware runs (a malformed request
/// line) are not logged.
/// </summary>
internal sealed class AccessLog : IDisposable
{
    private static readonly int s_pid = Environment.ProcessId;

    private static readonly JsonWriterOptions s_json = new()
    {
        // A log line, never HTML: keep non-ASCII and '+' readable.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private readonly AccessLogSink _sink;
    private readonly AccessLogFormat? _format;
    private readonly bool _countBytes;

    private AccessLog(AccessLogSink sink, AccessLogFormat? format)
    {
        _sink = sink;
        _format = format;
        _countBytes = format is null || format.UsesBytes;
    }

    /// <summary>Adds the access log to <paramref name="web"/> when <see cref="DramServerOptions.AccessLog"/> is set.</summary>
    /// <exception cref="DramStartupException">The format is invalid or the file cannot be opened (exit code 2).</exception>
    public static void UseIfEnabled(WebApplication web, DramServerOptions options)
    {
        if (options.AccessLog is not { Length: > 0 } target)
        {
            return;
        }

        AccessLogFormat? format = null;
        if (!options.AccessLogJson)
        {
            try
            {
                format = AccessLogFormat.Parse(options.AccessLogFormat ?? AccessLogFormat.Default);
            }
            catch (FormatException e)
            {
                throw new DramStartupException(ExitCodes.Usage, "invalid access log format: " + e.Message);
            }
        }

        var log = new AccessLog(AccessLogSink.Open(target), format);
        web.Lifetime.ApplicationStopped.Register(log.Dispose);
        web.Use(log.InvokeAsync);
    }

    public void Dispose() => _sink.Dispose();

    private async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var start = Stopwatch.GetTimestamp();
        var started = DateTimeOffset.Now;
        var counter = _countBytes ? AccessLogCountingBody.Install(context) : null;
        var failed = true;
        try
        {
            await next(context).ConfigureAwait(false);
            failed = false;
        }
        finally
        {
            counter?.Uninstall(context);
            var response = context.Response;

            // An exception before the response started becomes Kestrel's 500.
            var status = failed && !response.HasStarted ? StatusCodes.Status500InternalServerError : response.StatusCode;
            var record = new AccessLogRecord(context, started, Stopwatch.GetElapsedTime(start), status, counter?.Written ?? response.ContentLength);
            _sink.WriteLine(_format is { } format ? format.Render(record) : Json(record));
        }
    }

    /// <summary>
    /// The JSON layout, fixed keys: remote_addr, time (ISO 8601, request start, local offset),
    /// method, path, query ("" when none), protocol, status, bytes, duration_ms (microsecond
    /// precision), referer and user_agent (null when absent), pid.
    /// </summary>
    private static string Json(in AccessLogRecord record)
    {
        var request = record.Context.Request;
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var json = new Utf8JsonWriter(buffer, s_json))
        {
            json.WriteStartObject();
            json.WriteString("remote_addr", record.RemoteAddress);
            json.WriteString("time", record.Start.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffffzzz", CultureInfo.InvariantCulture));
            json.WriteString("method", request.Method);
            json.WriteString("path", request.Path.Value ?? "");
            json.WriteString("query", AccessLogFormat.Query(request));
            json.WriteString("protocol", request.Protocol);
            json.WriteNumber("status", record.Status);
            if (record.Bytes is { } bytes)
            {
                json.WriteNumber("bytes", bytes);
            }
            else
            {
                json.WriteNull("bytes");
            }

            json.WriteNumber("duration_ms", Math.Round(record.Elapsed.TotalMilliseconds, 3));
            WriteOrNull(json, "referer", request.Headers.Referer.ToString());
            WriteOrNull(json, "user_agent", request.Headers.UserAgent.ToString());
            json.WriteNumber("pid", s_pid);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void WriteOrNull(Utf8JsonWriter json, string name, string value)
    {
        if (AccessLogFormat.OrNull(value) is { } text)
        {
            json.WriteString(name, text);
        }
        else
        {
            json.WriteNull(name);
        }
    }
}
