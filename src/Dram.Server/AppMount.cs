namespace Dram.Server;

/// <summary>
/// An app served under a path prefix (--mount /prefix=module:app): requests whose path is the
/// prefix or lies below it go to <see cref="App"/>, which sees the prefix in SCRIPT_NAME (ASGI
/// <c>root_path</c>) and the rest in PATH_INFO (ASGI <c>path</c>), as the URL-dispatch
/// middleware PEP 3333 describes under "URL Reconstruction" would hand it.
/// </summary>
/// <param name="Prefix">The path prefix: starts with '/', no trailing '/', no empty, '.' or '..' segment.</param>
/// <param name="App"><c>module:attribute</c> or <c>module</c>, as the positional APP; detected as WSGI or ASGI on its own.</param>
public sealed record AppMount(string Prefix, string App)
{
    /// <summary>
    /// Normalises and checks a prefix: a trailing '/' is dropped ("/api/" mounts "/api"), so the
    /// prefix is always a whole number of path segments. Returns null and a reason when it cannot
    /// be a prefix.
    /// </summary>
    public static string? NormalizePrefix(string raw, out string error)
    {
        error = "";
        if (!raw.StartsWith('/'))
        {
            error = "the prefix must start with '/', e.g. /api=module:app";
            return null;
        }

        var prefix = raw.TrimEnd('/');
        if (prefix.Length == 0)
        {
            error = "'/' is the whole site: give that app as APP, not as a mount";
            return null;
        }

        foreach (var c in prefix)
        {
            // Matched against the decoded path, so an escape or a query has no meaning here.
            if (c is '%' or '?' or '#' || char.IsControl(c) || char.IsWhiteSpace(c))
            {
                error = $"the prefix must be a decoded path without '%', '?', '#' or spaces";
                return null;
            }
        }

        foreach (var segment in prefix[1..].Split('/'))
        {
            if (segment is "" or "." or "..")
            {
                error = "the prefix must not contain an empty, '.' or '..' segment";
                return null;
            }
        }

        return prefix;
    }
}
