using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Dram.Server.Hosting;

/// <summary>
/// A bind in gunicorn's syntax: <c>HOST:PORT</c>, <c>unix:PATH</c> (a Unix domain socket) or
/// <c>fd://N</c> (an already-listening socket inherited as descriptor N, e.g. from systemd socket
/// activation), or Dram's <c>h2c://HOST:PORT</c> (cleartext HTTP/2 with prior knowledge only). IPv6 hosts go in brackets, as in URLs (<c>[::1]:8000</c>), because the port could
/// not be told apart from the address otherwise.
/// The one parser for binds: the command line validates with it, the server listens with it.
/// </summary>
public readonly record struct BindAddress(string Host, int Port)
{
    /// <summary>The longest socket path: sun_path holds 108 bytes with the terminating NUL.</summary>
    public const int MaxUnixPathBytes = 107;

    private const string Expected = "expected HOST:PORT, unix:PATH, fd://N or h2c://HOST:PORT, e.g. 127.0.0.1:8000 or [::1]:8000";
    private const string UnixPrefix = "unix:";
    private const string FdPrefix = "fd://";
    private const string H2cPrefix = "h2c://";

    /// <summary>The socket file's path for a <c>unix:PATH</c> bind; null otherwise.</summary>
    public string? UnixPath { get; init; }

    /// <summary>The inherited descriptor for an <c>fd://N</c> bind; null otherwise.</summary>
    public int? Fd { get; init; }

    /// <summary>An <c>h2c://HOST:PORT</c> bind: HTTP/2 only, cleartext, even with --certfile (RFC 9113 §3.3).</summary>
    public bool H2c { get; init; }

    /// <summary>A <c>HOST:PORT</c> bind (<c>h2c://</c> ones included).</summary>
    public bool IsTcp => UnixPath is null && Fd is null;

    /// <summary>Parses a bind; on failure <paramref name="error"/> says what is wrong, in one line.</summary>
    public static bool TryParse(string text, out BindAddress bind, out string error)
    {
        bind = default;
        if (text.StartsWith(UnixPrefix, StringComparison.Ordinal))
        {
            error = CheckUnix(text, out var path) ?? "";
            bind = new BindAddress("", 0) { UnixPath = path };
            return error.Length == 0;
        }

        if (text.StartsWith(FdPrefix, StringComparison.Ordinal))
        {
            error = CheckFd(text[FdPrefix.Length..], out var fd) ?? "";
            bind = new BindAddress("", 0) { Fd = fd };
            return error.Length == 0;
        }

        var h2c = text.StartsWith(H2cPrefix, StringComparison.Ordinal);
        if (h2c && (text.AsSpan(H2cPrefix.Length).StartsWith(UnixPrefix) || text.AsSpan(H2cPrefix.Length).StartsWith(FdPrefix)))
        {
            error = "h2c:// takes HOST:PORT only; unix: and fd:// sockets speak HTTP/1.1";
            return false;
        }

        error = Check(h2c ? text[H2cPrefix.Length..] : text, out var host, out var port) ?? "";
        if (error.Length > 0)
        {
            return false;
        }

        bind = new BindAddress(host, port) { H2c = h2c };
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

    // unix:PATH, or unix://PATH as gunicorn also accepts (unix:///run/app.sock is /run/app.sock).
    private static string? CheckUnix(string raw, out string path)
    {
        path = raw.StartsWith(UnixPrefix + "//", StringComparison.Ordinal) ? raw[(UnixPrefix.Length + 2)..] : raw[UnixPrefix.Length..];
        if (path.Length == 0)
        {
            return "missing socket path; expected unix:PATH, e.g. unix:/run/dram.sock";
        }

        if (path.Contains('\0', StringComparison.Ordinal))
        {
            return "the socket path contains a NUL character";
        }

        var bytes = Encoding.UTF8.GetByteCount(path);
        return bytes > MaxUnixPathBytes
            ? $"the socket path is {bytes} bytes long; Unix sockets allow at most {MaxUnixPathBytes}"
            : null;
    }

    private static string? CheckFd(string raw, out int fd)
    {
        fd = 0;
        if (raw.Length is 0 or > 9 || !raw.All(char.IsAsciiDigit))
        {
            return $"'{raw}' is not a file descriptor number; expected fd://N, e.g. fd://3";
        }

        fd = int.Parse(raw, NumberStyles.None, CultureInfo.InvariantCulture);

        // 0-2 are replaced by the pipes and the log in every worker process.
        return fd < 3 ? $"fd://{fd} is standard input, output or error; inherited sockets start at fd://3" : null;
    }

    private static string? Check(string raw, out string host, out int port)
    {
        host = "";
        port = 0;
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

    public override string ToString() =>
        UnixPath is not null ? UnixPrefix + UnixPath
        : Fd is { } fd ? FdPrefix + fd.ToString(CultureInfo.InvariantCulture)
        : (H2c ? H2cPrefix : "") + (Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]:{Port}" : $"{Host}:{Port}");
}
