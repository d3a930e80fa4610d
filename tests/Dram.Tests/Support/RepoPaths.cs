namespace Dram.Tests.Support;

/// <summary>Paths inside the repository, found from the test assembly's location.</summary>
internal static class RepoPaths
{
    private static readonly Lazy<string> s_root = new(FindRoot);

    /// <summary>The directory that holds Dram.slnx.</summary>
    public static string Root => s_root.Value;

    /// <summary>tests/apps: the WSGI apps the tests serve.</summary>
    public static string Apps => Path.Combine(Root, "tests", "apps");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Dram.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no Dram.slnx above {AppContext.BaseDirectory}");
    }
}
