using System.Net;
using Microsoft.AspNetCore.Http;

namespace Dram.Server.Hosting;

/// <summary>
/// Proxy headers from a trusted peer (--forwarded-allow-ips) become the request's client address,
/// scheme and host, before the app sees it: RFC 7239 <c>Forwarded</c> when present, else
/// <c>X-Forwarded-For</c>/<c>-Proto</c>/<c>-Host</c>. From any other peer they are left alone
/// (still visible to the app as headers) and change nothing.
/// </summary>
/// <remarks>
/// The client is the right-most address that is not itself a trusted proxy: each proxy appends the
/// address it saw, so everything left of the first untrusted hop could have been written by the
/// client. A client therefore cannot choose its own REMOTE_ADDR by sending the header itself.
/// </remarks>
internal static class ForwardedHeaders
{
    public static void Apply(HttpContext context, TrustedProxies trusted)
    {
        var connection = context.Connection;
        var request = context.Request;
        var headers = request.Headers;
        var forwarded = headers["Forwarded"];
        var forwardedFor = headers["X-Forwarded-For"];
        if (forwarded.Count == 0 && forwardedFor.Count == 0 && headers["X-Forwarded-Proto"].Count == 0 && headers["X-Forwarded-Host"].Count == 0)
        {
            return;
        }

        if (!trusted.IsTrusted(connection.RemoteIpAddress))
        {
            return;
        }

        Hop? chosen = forwarded.Count > 0
            ? Choose(ParseForwarded(string.Join(',', forwarded.ToArray())), trusted)
            : Choose(ParseXForwarded(string.Join(',', forwardedFor.ToArray()), Last(headers["X-Forwarded-Proto"]), Last(headers["X-Forwarded-Host"])), trusted);
        if (chosen is not { } hop)
        {
            return;
        }

        if (hop.Address is { } address)
        {
            connection.RemoteIpAddress = address;
            connection.RemotePort = hop.Port;
        }

        if (hop.Proto is { } proto)
        {
            request.Scheme = proto;
        }

        if (hop.Host is { } host)
        {
            request.Host = new HostString(host);
        }
    }

    /// <summary>One proxy hop: the address it received the request from, and the scheme and host the client used.</summary>
    internal readonly record struct Hop(IPAddress? Address, int Port, string? Proto, string? Host);

    /// <summary>Walks the hops from the right: past trusted proxies, to the first hop that is not one (or the left-most).</summary>
    internal static Hop? Choose(List<Hop> hops, TrustedProxies trusted)
    {
        Hop? chosen = null;
        for (var i = hops.Count - 1; i >= 0; i--)
        {
            var hop = hops[i];
            if (hop.Address is null && chosen is not null)
            {
                // "unknown" or an obfuscated identifier (RFC 7239 §6.2-6.3): nothing to trust past it.
                break;
            }

            chosen = hop;
            if (hop.Address is null || !trusted.IsTrusted(hop.Address))
            {
                break;
            }
        }

        return chosen;
    }

    /// <summary>RFC 7239 §4: <c>Forwarded: for=192.0.2.43;proto=https;host=example.com, for="[2001:db8::1]:4711"</c>.</summary>
    internal static List<Hop> ParseForwarded(string value)
    {
        var hops = new List<Hop>();
        foreach (var element in SplitOutsideQuotes(value, ','))
        {
            IPAddress? address = null;
            var port = 0;
            string? proto = null, host = null;
            foreach (var pair in SplitOutsideQuotes(element, ';'))
            {
                var equals = pair.IndexOf('=', StringComparison.Ordinal);
                if (equals <= 0)
                {
                    continue;
                }

                var name = pair[..equals].Trim();
                var raw = Unquote(pair[(equals + 1)..].Trim());
                if (name.Equals("for", StringComparison.OrdinalIgnoreCase))
                {
                    (address, port) = ParseNode(raw);
                }
                else if (name.Equals("proto", StringComparison.OrdinalIgnoreCase))
                {
                    proto = Scheme(raw);
                }
                else if (name.Equals("host", StringComparison.OrdinalIgnoreCase))
                {
                    host = Host(raw);
                }
            }

            hops.Add(new Hop(address, port, proto, host));
        }

        return hops;
    }

    /// <summary>X-Forwarded-For lists addresses; -Proto and -Host describe the client's side (the right-most value, set by the nearest proxy).</summary>
    internal static List<Hop> ParseXForwarded(string forwardedFor, string? proto, string? host)
    {
        var hops = new List<Hop>();
        var scheme = proto is null ? null : Scheme(proto);
        var hostValue = host is null ? null : Host(host);
        var entries = forwardedFor.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        foreach (var entry in entries)
        {
            var (address, port) = ParseNode(entry);
            hops.Add(new Hop(address, port, scheme, hostValue));
        }

        if (hops.Count == 0 && (scheme is not null || hostValue is not null))
        {
            hops.Add(new Hop(null, 0, scheme, hostValue));
        }

        return hops;
    }

    /// <summary>A node: "192.0.2.43", "192.0.2.43:47011", "[2001:db8::1]:4711", "2001:db8::1"; "unknown" and "_hidden" give no address.</summary>
    internal static (IPAddress? Address, int Port) ParseNode(string node)
    {
        // IPEndPoint first: IPAddress.TryParse accepts "[2001:db8::1]:4711" too, dropping the port.
        if ((node.StartsWith('[') || node.Count(c => c == ':') == 1) && IPEndPoint.TryParse(node, out var withPort))
        {
            return (TrustedProxies.Normalize(withPort.Address), withPort.Port);
        }

        if (IPAddress.TryParse(node, out var bare))
        {
            return (TrustedProxies.Normalize(bare), 0);
        }

        if (IPEndPoint.TryParse(node, out var endPoint))
        {
            return (TrustedProxies.Normalize(endPoint.Address), endPoint.Port);
        }

        return (null, 0);
    }

    private static string? Last(Microsoft.Extensions.Primitives.StringValues values)
    {
        if (values.Count == 0)
        {
            return null;
        }

        var last = values[^1] ?? "";
        var comma = last.LastIndexOf(',');
        var value = (comma >= 0 ? last[(comma + 1)..] : last).Trim();
        return value.Length == 0 ? null : value;
    }

    private static string? Scheme(string value) =>
        value.ToLowerInvariant() is "http" or "https" ? value.ToLowerInvariant() : null;

    /// <summary>A host[:port] made only of the characters a Host header may hold (RFC 3986 reg-name, IP literal).</summary>
    private static string? Host(string value)
    {
        if (value.Length == 0 || value.Length > 255)
        {
            return null;
        }

        foreach (var c in value)
        {
            var ok = char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or ':' or '[' or ']' or '_' or '~';
            if (!ok)
            {
                return null;
            }
        }

        return value;
    }

    private static string Unquote(string value) =>
        value.Length >= 2 && value[0] == '"' && value[^1] == '"' ? value[1..^1].Replace("\\\"", "\"", StringComparison.Ordinal) : value;

    private static List<string> SplitOutsideQuotes(string value, char separator)
    {
        var parts = new List<string>();
        var start = 0;
        var quoted = false;
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c == '"' && (i == 0 || value[i - 1] != '\\'))
            {
                quoted = !quoted;
            }
            else if (c == separator && !quoted)
            {
                parts.Add(value[start..i].Trim());
                start = i + 1;
            }
        }

        parts.Add(value[start..].Trim());
        return [.. parts.Where(p => p.Length > 0)];
    }
}
