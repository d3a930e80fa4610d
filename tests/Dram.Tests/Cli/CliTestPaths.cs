namespace Dram.Tests.Cli;

/// <summary>Where the repository and the built CLI are, found from the test assembly's location.</summary>
internal static class CliTestPaths
{
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>
    /// dram.dll as built by src/Dram. With UseArtifactsOutput the test assembly sits in
    /// artifacts/bin/Dram.Tests/&lt;config&gt;/ and the CLI in artifacts/bin/Dram/&lt;config&gt;/; the copy
    /// next to the test assembly is only used when its runtimeconfig came along with it.
    /// </summary>
    public static string DramDll()
    {
        var baseDir = AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar);
        var config = Path.GetFileName(baseDir);
        string[] candidates =
        [
            Path.Combine(RepoRoot, "artifacts", "bin", "Dram", config, "dram.dll"),
            Path.Combine(baseDir, "dram.dll"),
        ];
        return candidates.FirstOrDefault(p => File.Exists(p) && File.Exists(Path.ChangeExtension(p, ".runtimeconfig.json")))
            ?? throw new FileNotFoundException("dram.dll not found; build the solution first. Looked at: " + string.Join(", ", candidates));
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Dram.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("no Dram.slnx above " + AppContext.BaseDirectory);
    }
}
