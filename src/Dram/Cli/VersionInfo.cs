using Dram.Server;

namespace Dram.Cli;

internal static class VersionInfo
{
    /// <summary>
    /// "dram 0.1.0". The number comes from the server, so --version and the "Starting dram ..." log
    /// line cannot disagree; both assemblies take it from Directory.Build.props.
    /// </summary>
    public static string Text => "dram " + DramServer.Version;
}
