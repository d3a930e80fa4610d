namespace Dram.Cli.Settings;

/// <summary>How a list setting's environment variable separates its items.</summary>
internal enum ListSeparator
{
    /// <summary>Commas, which cannot occur in a HOST:PORT.</summary>
    Comma,

    /// <summary>Python's os.pathsep (':' on POSIX, ';' on Windows), the way PYTHONPATH is written.</summary>
    PathSeparator,
}

internal static class ListSeparatorExtensions
{
    public static char Character(this ListSeparator separator) =>
        separator == ListSeparator.Comma ? ',' : Path.PathSeparator;

    /// <summary>Platform-neutral wording, so the generated docs are the same on every OS.</summary>
    public static string Describe(this ListSeparator separator) =>
        separator == ListSeparator.Comma ? "comma-separated" : "os.pathsep-separated (':' on POSIX, ';' on Windows)";
}
