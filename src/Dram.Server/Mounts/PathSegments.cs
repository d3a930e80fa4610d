namespace Dram.Server.Mounts;

/// <summary>Whole-segment path arithmetic for mount dispatch.</summary>
internal static class PathSegments
{
    /// <summary>
    /// True when <paramref name="path"/> is <paramref name="prefix"/> or lies below it: the prefix
    /// must end at a '/' of the path, so "/one" never matches "/oneself".
    /// </summary>
    public static bool IsUnder(string path, string prefix) =>
        path.StartsWith(prefix, StringComparison.Ordinal)
        && (path.Length == prefix.Length || path[prefix.Length] == '/');

    /// <summary>
    /// RFC 3986 §5.2.4 "Remove Dot Segments" on a decoded absolute path: "." segments go, ".."
    /// removes the segment before it and never climbs above the root. A path without dot
    /// segments is returned as it is (the common case allocates nothing).
    /// </summary>
    public static string RemoveDotSegments(string path)
    {
        if (!HasDotSegment(path))
        {
            return path;
        }

        var output = new List<string>();
        var segments = path.Split('/');

        // segments[0] is "" (the path starts with '/'); a dot segment at the end leaves a trailing
        // '/', as the RFC's algorithm does ("/a/b/.." is "/a/").
        for (var i = 1; i < segments.Length; i++)
        {
            var segment = segments[i];
            var last = i == segments.Length - 1;
            if (segment == ".")
            {
                if (last)
                {
                    output.Add("");
                }

                continue;
            }

            if (segment == "..")
            {
                if (output.Count > 0)
                {
                    output.RemoveAt(output.Count - 1);
                }

                if (last)
                {
                    output.Add("");
                }

                continue;
            }

            output.Add(segment);
        }

        return "/" + string.Join('/', output);
    }

    private static bool HasDotSegment(string path)
    {
        for (var start = 0; start < path.Length; start++)
        {
            if (path[start] != '/')
            {
                continue;
            }

            var end = path.IndexOf('/', start + 1);
            var length = (end < 0 ? path.Length : end) - start - 1;
            if ((length == 1 && path[start + 1] == '.') || (length == 2 && path[start + 1] == '.' && path[start + 2] == '.'))
            {
                return true;
            }
        }

        return false;
    }
}
