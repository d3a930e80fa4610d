using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Dram.Server.Logging;

/// <summary>
/// gunicorn's <c>access_log_format</c>: Python %-style <c>%(atom)s</c> placeholders, parsed once at
/// start-up into literal text and atoms, so a gunicorn format string works unchanged. Unlike
/// gunicorn, an atom it does not know is an error at start-up rather than a silent <c>-</c>.
/// </summary>
internal sealed class AccessLogFormat
{
    /// <summary>gunicorn's default <c>access_log_format</c>.</summary>
    public const string Default = "%(h)s %(l)s %(u)s %(t)s \"%(r)s\" %(s)s %(b)s \"%(f)s\" \"%(a)s\"";

    private const string Known = "h l u t r m U q H s B b f a T M D L p {header}i {header}o";

    private static readonly string s_pid = "<" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + ">";

    private readonly Part[] _parts;

    private AccessLogFormat(Part[] parts)
    {
        _parts = parts;
        UsesBytes = parts.Any(p => p.Atom is Atom.Bytes or Atom.BytesOrDash);
    }

    /// <summary>The format reports the response length (B or b), so the body must be counted.</summary>
    public bool UsesBytes { get; }

    /// <exception cref="FormatException">The format has an unknown atom or a stray <c>%</c>; the message is one line.</exception>
    public static AccessLogFormat Parse(string format)
    {
        ArgumentNullException.ThrowIfNull(format);
        var parts = new List<Part>();
        var literal = new StringBuilder();
        for (var i = 0; i < format.Length; i++)
        {
            var c = format[i];
            if (c != '%')
            {
                literal.Append(c);
                continue;
            }

            if (i + 1 < format.Length && format[i + 1] == '%')
            {
                literal.Append('%');
                i++;
                continue;
            }

            if (i + 1 >= format.Length || format[i + 1] != '(')
            {
                throw new FormatException($"a lone % at position {i}: write %(atom)s for an atom or %% for a literal %");
            }

            var close = format.IndexOf(')', i + 2);
            if (close < 0)
            {
                throw new FormatException($"%( at position {i} is not closed");
            }

            var name = format[(i + 2)..close];
            if (close + 1 >= format.Length || format[close + 1] != 's')
            {
                throw new FormatException($"%({name}) must be followed by s, as in %({name})s");
            }

            if (literal.Length > 0)
            {
                parts.Add(new Part(Atom.Literal, literal.ToString()));
                literal.Clear();
            }

            parts.Add(ParseAtom(name));
            i = close + 1;
        }

        if (literal.Length > 0)
        {
            parts.Add(new Part(Atom.Literal, literal.ToString()));
        }

        return new AccessLogFormat([.. parts]);
    }

    private static Part ParseAtom(string name)
    {
        var atom = name switch
        {
            "h" => Atom.RemoteAddress,
            "l" => Atom.Dash,
            "u" => Atom.User,
            "t" => Atom.Time,
            "r" => Atom.RequestLine,
            "m" => Atom.Method,
            "U" => Atom.Path,
            "q" => Atom.Query,
            "H" => Atom.Protocol,
            "s" => Atom.Status,
            "B" => Atom.Bytes,
            "b" => Atom.BytesOrDash,
            "f" => Atom.Referer,
            "a" => Atom.UserAgent,
            "T" => Atom.Seconds,
            "M" => Atom.Milliseconds,
            "D" => Atom.Microseconds,
            "L" => Atom.DecimalSeconds,
            "p" => Atom.Pid,
            _ => Atom.Literal,
        };
        if (atom != Atom.Literal)
        {
            return new Part(atom, null);
        }

        if (name.Length > 3 && name[0] == '{' && name[^2] == '}')
        {
            var header = name[1..^2];
            switch (name[^1])
            {
                case 'i' when header.Length > 0:
                    return new Part(Atom.RequestHeader, header);
                case 'o' when header.Length > 0:
                    return new Part(Atom.ResponseHeader, header);
                case 'e':
                    throw new FormatException($"%({name})s is not supported: Dram's access log has no WSGI environ (atoms: {Known})");
                default:
                    break;
            }
        }

        throw new FormatException($"unknown atom %({name})s (atoms: {Known})");
    }

    /// <summary>One line, without the line end.</summary>
    public string Render(in AccessLogRecord record)
    {
        var line = new StringBuilder(256);
        foreach (var part in _parts)
        {
            switch (part.Atom)
            {
                case Atom.Literal:
                    line.Append(part.Text);
                    break;
                case Atom.Status:
                    line.Append(record.Status);
                    break;
                case Atom.Bytes:
                    line.Append(record.Bytes);
                    break;
                case Atom.BytesOrDash:
                    if (record.Bytes is { } bytes)
                    {
                        line.Append(bytes);
                    }
                    else
                    {
                        line.Append('-');
                    }

                    break;
                case Atom.Seconds:
                    line.Append(record.Elapsed.Ticks / TimeSpan.TicksPerSecond);
                    break;
                case Atom.Milliseconds:
                    line.Append(record.Elapsed.Ticks / TimeSpan.TicksPerMillisecond);
                    break;
                case Atom.Microseconds:
                    line.Append(record.Elapsed.Ticks / TimeSpan.TicksPerMicrosecond);
                    break;
                case Atom.DecimalSeconds:
                    var micros = record.Elapsed.Ticks / TimeSpan.TicksPerMicrosecond;
                    line.Append(CultureInfo.InvariantCulture, $"{micros / 1_000_000}.{micros % 1_000_000:000000}");
                    break;
                default:
                    AppendEscaped(line, Text(part, record));
                    break;
            }
        }

        return line.ToString();
    }

    /// <summary>gunicorn's SafeAtoms: a double quote inside a value is written as <c>\"</c>.</summary>
    private static void AppendEscaped(StringBuilder line, string value)
    {
        if (!value.Contains('"', StringComparison.Ordinal))
        {
            line.Append(value);
            return;
        }

        line.Append(value.Replace("\"", "\\\"", StringComparison.Ordinal));
    }

    private static string Text(Part part, in AccessLogRecord record)
    {
        var request = record.Context.Request;
        return part.Atom switch
        {
            Atom.RemoteAddress => record.RemoteAddress,
            Atom.Dash => "-",
            Atom.User => BasicUser(request.Headers.Authorization.ToString()) ?? "-",
            Atom.Time => string.Create(CultureInfo.InvariantCulture, $"[{record.Start:dd/MMM/yyyy:HH:mm:ss} {Offset(record.Start.Offset)}]"),
            Atom.RequestLine => $"{request.Method} {RawTarget(record.Context)} {request.Protocol}",
            Atom.Method => request.Method,
            Atom.Path => request.Path.Value ?? "",
            Atom.Query => Query(request),
            Atom.Protocol => request.Protocol,
            Atom.Referer => OrDash(request.Headers.Referer.ToString()),
            Atom.UserAgent => OrDash(request.Headers.UserAgent.ToString()),
            Atom.Pid => s_pid,
            Atom.RequestHeader => OrDash(request.Headers[part.Text!].ToString()),
            Atom.ResponseHeader => OrDash(record.Context.Response.Headers[part.Text!].ToString()),
            _ => "-",
        };
    }

    internal static string RawTarget(HttpContext context) =>
        context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? (context.Request.Path + context.Request.QueryString);

    internal static string Query(HttpRequest request) => request.QueryString.Value is { Length: > 1 } q ? q[1..] : "";

    internal static string? OrNull(string value) => value.Length > 0 ? value : null;

    private static string OrDash(string value) => value.Length > 0 ? value : "-";

    /// <summary>strftime's <c>%z</c>: +0100, -0700.</summary>
    private static string Offset(TimeSpan offset) => string.Create(CultureInfo.InvariantCulture,
        $"{(offset < TimeSpan.Zero ? '-' : '+')}{Math.Abs(offset.Hours):00}{Math.Abs(offset.Minutes):00}");

    /// <summary>The user name of HTTP Basic authentication, as gunicorn's <c>_get_user</c> reads it.</summary>
    private static string? BasicUser(string authorization)
    {
        if (!authorization.StartsWith("basic", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var space = authorization.IndexOf(' ', StringComparison.Ordinal);
        if (space < 0)
        {
            return null;
        }

        try
        {
            var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(authorization[(space + 1)..].Trim()));
            var colon = decoded.IndexOf(':', StringComparison.Ordinal);
            return colon >= 0 ? decoded[..colon] : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private enum Atom
    {
        Literal,
        RemoteAddress,
        Dash,
        User,
        Time,
        RequestLine,
        Method,
        Path,
        Query,
        Protocol,
        Status,
        Bytes,
        BytesOrDash,
        Referer,
        UserAgent,
        Seconds,
        Milliseconds,
        Microseconds,
        DecimalSeconds,
        Pid,
        RequestHeader,
        ResponseHeader,
    }

    /// <summary>Literal text, a header name for the header atoms, else null.</summary>
    private readonly record struct Part(Atom Atom, string? Text);
}

/// <summary>What one access log line is made of, gathered when the request ends.</summary>
internal readonly record struct AccessLogRecord(HttpContext Context, DateTimeOffset Start, TimeSpan Elapsed, int Status, long? Bytes)
{
    public string RemoteAddress
    {
        get
        {
            var address = Context.Connection.RemoteIpAddress;
            if (address is null)
            {
                return "-";
            }

            return (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).ToString();
        }
    }
}
