using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Dram.Server.Hosting;

/// <summary>
/// A <c>HOST:PORT</c> bind (gunicorn's syntax). IPv6 hosts go in brackets, as in URLs
/// (<c>[::1]:8000</c>), because the port could not be told apart from the address otherwise.
/// The one parser for binds: the command line validates with it, the server listens with it.
/// </summary>
public readonly record struct BindAddress(string Host, int Port)
{
    private const string Expected = "expected HOST:PORT, e.g. 127.0.0.1:8000 or [::1]:8000";

    /// <summary>Parses a bind; on failure <paramref name="error"/> says what is wrong, in one line.</summary>
    public static bool TryParse(string text, out BindAddress bind, out string error)
    {
        bind = default;
        error = Check(text, out var host, out var port) ?? "";
        if (error.Length > 0)
        {
            return false;
        }

        bind = new BindAddress(host, port);
        return true;
    }

    /// <summary>Parses a bind for listening; a bad one is a usage error (exit code 2) naming it.</summary>
    internal static BindAddress ParseOrFail(string text) =>
        TryParse(text, out var bind, out var error)
            ? bind
            : throw new DramStartupException(ExitCodes.Usage, $"invalid bind '{text}': {error}");

    /// <summary>The one-line failure (exit code 1) for binds that could not be listened on.</summary>
    internal static DramStartupException ListenFailed(string reason, IEnumerable<string> binds) =>
        new(ExitCodes.RuntimeFailure, $"cannot listen: {reason} ({string.Join(", ", binds)})");

    private static string? Check(string raw, out string host, out int port)
    {
        host = "";
        port = 0;
        if (raw.StartsWith("unix:", StringComparison.Ordinal))
        {
            return "unix sockets are not supported; " + Expected;
        }

        string portText;
        if (raw.StartsWith('['))
        {
            var close = raw.IndexOf(']', StringComparison.Ordinal);
            if (close < 0 || close + 1 >= raw.Length || raw[close + 1] != ':')
            {
                return Expected;
            }

            host = raw[1..close];
            portText = raw[(close + 2)..];
            if (!IPAddress.TryParse(host, out var address) || address.AddressFamily != AddressFamily.InterNetworkV6)
            {
                return $"'{host}' is not an IPv6 address";
            }
        }
        else
        {
            var colon = raw.LastIndexOf(':');
            if (colon < 0)
            {
                return "missing port; " + Expected;
            }

            if (raw.IndexOf(':', StringComparison.Ordinal) != colon)
            {
                return "put IPv6 addresses in brackets, e.g. [::1]:8000";
            }

            host = raw[..colon];
            portText = raw[(colon + 1)..];
            if (host.Length == 0)
            {
                return "missing host; use 0.0.0.0:PORT to listen on all interfaces";
            }

            if (!IsHost(host))
            {
                return $"'{host}' is not a valid host name or IPv4 address";
            }
        }

        if (portText.Length is 0 or > 5 || !portText.All(char.IsAsciiDigit)
            || (port = int.Parse(portText, NumberStyles.None, CultureInfo.InvariantCulture)) > IPEndPoint.MaxPort)
        {
            return $"'{portText}' is not a port number from 0 to {IPEndPoint.MaxPort}";
        }

        return null;
    }

    // All digits and dots must be a full dotted quad: IPAddress.TryParse alone would accept "1" as 0.0.0.1.
    private static bool IsHost(string host) => host.All(c => char.IsAsciiDigit(c) || c == '.')
        ? host.Split('.').Length == 4 && IPAddress.TryParse(host, out _)
        : Uri.CheckHostName(host) == UriHostNameType.Dns;

    /// <summary>The addresses to listen on: the literal IP, or what the name resolves to.</summary>
    internal IPAddress[] Resolve()
    {
        if (IPAddress.TryParse(Host, out var address))
        {
            return [address];
        }

        try
        {
            return Dns.GetHostAddresses(Host);
        }
        catch (SocketException e)
        {
            throw new DramStartupException(ExitCodes.Usage, $"cannot resolve bind host '{Host}': {e.Message}");
        }
    }

    public override string ToString() => Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}
