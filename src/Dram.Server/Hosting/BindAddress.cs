using System.Globalization;
using System.Net;

namespace Dram.Server.Hosting;

/// <summary>A <c>HOST:PORT</c> bind (gunicorn's syntax; IPv6 in brackets, <c>[::1]:8000</c>).</summary>
internal readonly record struct BindAddress(string Host, int Port)
{
    public static BindAddress Parse(string text)
    {
        string host, port;
        if (text.StartsWith('['))
        {
            var close = text.IndexOf(']', StringComparison.Ordinal);
            if (close < 0 || close + 1 >= text.Length || text[close + 1] != ':')
            {
                throw Bad(text);
            }

            host = text[1..close];
            port = text[(close + 2)..];
        }
        else
        {
            var colon = text.LastIndexOf(':');
            if (colon < 0)
            {
                throw Bad(text);
            }

            host = text[..colon];
            port = text[(colon + 1)..];
        }

        if (host.Length == 0 || !int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number > 65535)
        {
            throw Bad(text);
        }

        return new BindAddress(host, number);
    }

    /// <summary>The addresses to listen on: the literal IP, or what the name resolves to.</summary>
    public IPAddress[] Resolve()
    {
        if (IPAddress.TryParse(Host, out var address))
        {
            return [address];
        }

        try
        {
            return Dns.GetHostAddresses(Host);
        }
        catch (System.Net.Sockets.SocketException e)
        {
            throw new DramStartupException(ExitCodes.Usage, $"cannot resolve bind host '{Host}': {e.Message}");
        }
    }

    public override string ToString() => Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]:{Port}" : $"{Host}:{Port}";

    private static DramStartupException Bad(string text) =>
        new(ExitCodes.Usage, $"invalid bind '{text}': expected HOST:PORT, such as 127.0.0.1:8000 or [::1]:8000");
}
