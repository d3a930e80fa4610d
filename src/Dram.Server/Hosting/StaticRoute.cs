using System.Buffers;

namespace Dram.Server.Hosting;

/// <summary>
/// One <c>--static /prefix=DIR</c>: requests whose path is <see cref="Prefix"/> or lies under it
/// are answered from the files in <see cref="Directory"/> by .NET alone; Python never sees them.
/// </summary>
/// <param name="Prefix">A URL path starting with '/', without a trailing '/' (except "/" itself), compared with Kestrel's decoded, dot-segment-free <c>Request.Path</c>.</param>
/// <param name="Directory">An absolute path to the directory served.</param>
public sealed record StaticRoute(string Prefix, string Directory)
{
    // '%' is refused because the prefix is compared with the decoded path: "/a%20b" could never
    // match, the user means "/a b". '?' and '#' are not part of a path; '\' is no separator here.
    private static readonly SearchValues<char> s_refused = SearchValues.Create("%?#\\\0");

    /// <summary>
    /// Parses <c>/prefix=DIR</c>. A relative DIR is resolved against <paramref name="baseDirectory"/>
    /// (the working directory dram was started in) and must exist now.
    /// </summary>
    public static bool TryParse(string text, string baseDirectory, out StaticRoute? route, out string error)
    {
        ArgumentNullException.ThrowIfNull(text);
        route = null;
        var equals = text.IndexOf('=', StringComparison.Ordinal);
        if (equals < 0)
        {
            error = "expected /prefix=DIR";
            return false;
        }

        var prefix = text[..equals];
        var directory = text[(equals + 1)..];
        if (CheckPrefix(prefix) is { } bad)
        {
            error = bad;
            return false;
        }

        if (directory.Length == 0)
        {
            error = "the directory after '=' is empty";
            return false;
        }

        var full = Path.GetFullPath(directory, baseDirectory);
        if (!System.IO.Directory.Exists(full))
        {
            error = $"no such directory {full}";
            return false;
        }

        route = new StaticRoute(NormalisePrefix(prefix), full);
        error = "";
        return true;
    }

    /// <summary>Why <paramref name="prefix"/> can never match a request path, or null when it is fine.</summary>
    internal static string? CheckPrefix(string prefix)
    {
        if (!prefix.StartsWith('/'))
        {
            return "the prefix must start with '/'";
        }

        if (prefix.AsSpan().IndexOfAny(s_refused) >= 0 || prefix.Any(char.IsControl))
        {
            return "the prefix must be a decoded URL path without '%', '?', '#', '\\' or control characters";
        }

        // Kestrel removes dot segments from Request.Path, so a prefix holding one would never match.
        foreach (var segment in NormalisePrefix(prefix).Split('/')[1..])
        {
            if (segment is "" or "." or "..")
            {
                return prefix == "/" ? null : "the prefix must not contain empty, '.' or '..' segments";
            }
        }

        return null;
    }

    private static string NormalisePrefix(string prefix) => prefix.Length > 1 && prefix.EndsWith('/') ? prefix[..^1] : prefix;

    /// <summary>The part of <paramref name="path"/> under this prefix ("" or starting with '/'), or null when it is not under it (whole segments only).</summary>
    internal string? Remainder(string path)
    {
        if (Prefix == "/")
        {
            return path;
        }

        if (!path.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return null;
        }

        return path.Length == Prefix.Length ? "" : path[Prefix.Length] == '/' ? path[Prefix.Length..] : null;
    }
}
