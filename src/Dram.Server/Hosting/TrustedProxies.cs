using System.Net;

namespace Dram.Server.Hosting;

/// <summary>
/// The peers whose proxy headers Dram believes (--forwarded-allow-ips): addresses, CIDR networks,
/// or <c>*</c> for everyone. A Unix-socket peer has no address and is always trusted: only local
/// processes can connect to it.
/// </summary>
public sealed class TrustedProxies
{
    /// <summary>gunicorn's and uvicorn's default: only a proxy on this machine.</summary>
    public static readonly IReadOnlyList<string> Defaults = ["127.0.0.1", "::1"];

    private readonly IPNetwork[] _networks;
    private readonly bool _everyone;

    private TrustedProxies(IPNetwork[] networks, bool everyone)
    {
        _networks = networks;
        _everyone = everyone;
    }

    /// <summary>Parses entries; throws <see cref="FormatException"/> naming the first bad one.</summary>
    public static TrustedProxies Parse(IEnumerable<string> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var networks = new List<IPNetwork>();
        var everyone = false;
        foreach (var entry in entries)
        {
            if (!TryParseEntry(entry, out var network, out var all))
            {
                throw new FormatException($"'{entry}' is not an IP address, a CIDR network or *");
            }

            everyone |= all;
            if (!all)
            {
                networks.Add(network);
            }
        }

        return new TrustedProxies([.. networks], everyone);
    }

    /// <summary>One entry: "*", an address ("10.0.0.1", "::1") or a network ("10.0.0.0/8").</summary>
    public static bool TryParseEntry(string entry, out IPNetwork network, out bool everyone)
    {
        ArgumentNullException.ThrowIfNull(entry);
        network = default;
        everyone = entry.Trim() == "*";
        if (everyone)
        {
            return true;
        }

        var text = entry.Trim();
        if (text.Contains('/', StringComparison.Ordinal))
        {
            // Strict: "10.0.0.1/8" (host bits set) is refused, so a typo does not widen the trust.
            return IPNetwork.TryParse(text, out network)
                && IPAddress.TryParse(text[..text.IndexOf('/', StringComparison.Ordinal)], out var given)
                && network.BaseAddress.Equals(given);
        }

        if (IPAddress.TryParse(text, out var address))
        {
            address = Normalize(address);
            network = new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
            return true;
        }

        return false;
    }

    /// <summary>Whether a peer is trusted; null (a Unix-socket peer) always is.</summary>
    public bool IsTrusted(IPAddress? address)
    {
        if (address is null || _everyone)
        {
            return true;
        }

        address = Normalize(address);
        foreach (var network in _networks)
        {
            if (network.Contains(address))
            {
                return true;
            }
        }

        return false;
    }

    internal static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}
