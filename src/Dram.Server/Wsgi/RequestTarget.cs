namespace Dram.Server.Wsgi;

/// <summary>
/// PATH_INFO and QUERY_STRING from the raw request target (RFC 9112 §3.2). Kestrel's
/// <c>Request.Path</c> cannot be used: it keeps %2F encoded and removes dot segments
/// (design/NOTES.md), while PEP 3333 wants the percent-decoded bytes, as latin-1 text, unchanged.
/// </summary>
internal readonly record struct RequestTarget(string PathInfo, string Query)
{
    /// <summary>SCRIPT_NAME: "" unless the app is mounted under a prefix (--mount), as latin-1 bytes.</summary>
    public string ScriptName { get; init; } = "";

    public static RequestTarget Parse(string raw)
    {
        var (path, query) = Split(raw);
        return new RequestTarget(PercentDecode(path), query);
    }

    /// <summary>
    /// The path and the query of a raw target, neither decoded: the fragment dropped, and an
    /// absolute-form target (RFC 9112 §3.2.2) reduced to the path after its authority.
    /// </summary>
    internal static (string Path, string Query) Split(string raw)
    {
        var fragment = raw.IndexOf('#', StringComparison.Ordinal);
        if (fragment >= 0)
        {
            raw = raw[..fragment];
        }

        var question = raw.IndexOf('?', StringComparison.Ordinal);
        var path = question >= 0 ? raw[..question] : raw;
        var query = question >= 0 ? raw[(question + 1)..] : "";
        if (!path.StartsWith('/') && path != "*")
        {
            var scheme = path.IndexOf("://", StringComparison.Ordinal);
            if (scheme >= 0)
            {
                var slash = path.IndexOf('/', scheme + 3);
                path = slash >= 0 ? path[slash..] : "/";
            }
        }

        return (path, query);
    }

    /// <summary>Decodes %XX to the byte it names, kept as the char of the same value (latin-1).</summary>
    internal static string PercentDecode(string path)
    {
        var percent = path.IndexOf('%', StringComparison.Ordinal);
        if (percent < 0)
        {
            return path;
        }

        var buffer = path.Length <= 512 ? stackalloc char[path.Length] : new char[path.Length];
        var written = 0;
        for (var i = 0; i < path.Length; i++)
        {
            var c = path[i];
            if (c == '%' && i + 2 < path.Length && Uri.IsHexDigit(path[i + 1]) && Uri.IsHexDigit(path[i + 2]))
            {
                buffer[written++] = (char)((Uri.FromHex(path[i + 1]) << 4) | Uri.FromHex(path[i + 2]));
                i += 2;
            }
            else
            {
                buffer[written++] = c;
            }
        }

        return new string(buffer[..written]);
    }
}
