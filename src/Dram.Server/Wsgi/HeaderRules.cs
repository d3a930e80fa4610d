namespace Dram.Server.Wsgi;

/// <summary>Field syntax from RFC 9110 §5: what may appear in a response header the app sets.</summary>
internal static class HeaderRules
{
    private static readonly HashSet<string> s_hopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        // RFC 9110 §7.6.1 and the fields it lists as connection-specific.
        "Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization", "Proxy-Connection",
        "TE", "Trailer", "Transfer-Encoding", "Upgrade",
    };

    public static bool IsHopByHop(string name) => s_hopByHop.Contains(name);

    /// <summary>token = 1*tchar (RFC 9110 §5.6.2).</summary>
    public static bool IsToken(string name)
    {
        if (name.Length == 0)
        {
            return false;
        }

        foreach (var c in name)
        {
            var ok = c is >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9'
                or '!' or '#' or '$' or '%' or '&' or '\'' or '*' or '+' or '-' or '.' or '^' or '_' or '`' or '|' or '~';
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// The index of the first character not allowed in a field value (RFC 9110 §5.5: visible
    /// characters, SP, HTAB and obs-text 0x80–0xFF), or -1. CR and LF are the dangerous ones:
    /// they would let an app split the response.
    /// </summary>
    public static int FindInvalidValueChar(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if ((c < 0x20 && c != '\t') || c == 0x7F || c > 0xFF)
            {
                return i;
            }
        }

        return -1;
    }
}
