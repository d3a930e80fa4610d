

namespace Dram.Tests.Launcher;

/// <summary>Paths and small file helpers shared by the launcher tests.</summary>
internal static class LauncherTestSupport
{
    private static readonly Lazy<string> s_repositoryRoot = new(FindRepositoryRoot);
    private static readonly Lazy<string> s_dotnetRoot = new(FindDotnetRoot);

    /// <summary>The directory holding Dram.slnx, found upwards from the test binaries.</summary>
    public static string RepositoryRoot => s_repositoryRoot.Value;

    /// <summary>The repository's <c>dram</c> launcher script.</summary>
    public static string LauncherScript => Path.Combine(RepositoryRoot, "dram");

    /// <summary>The real .NET installation (has host/fxr), for DOTNET_ROOT.</summary>
    public static string DotnetRoot => s_dotnetRoot.Value;

    public static string DotnetExecutable => Path.Combine(DotnetRoot, "dotnet");

    /// <summary>The current PATH, with <paramref name="directory"/> in front.</summary>
    public static string PathWithFirst(string directory) =>
        directory + Path.PathSeparator + (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin");

    public static string CreateTempDirectory(string prefix)
    {
        var path = Path.Combine(Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        return path;
    }

    public static void DeleteDirectory(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }
        catch (IOException)
        {
            // A process killed a moment ago may still be writing; leave the rest to the OS.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Writes an executable (0755) script with Unix line ends.</summary>
    public static void WriteExecutable(string path, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text.Replace("\r\n", "\n", StringComparison.Ordinal));
        MakeExecutable(path);
    }

    /// <summary>chmod 0755 (the launcher and its tests are for Unix only).</summary>
    public static void MakeExecutable(string path)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, ExecutableMode);
        }
    }

    public const UnixFileMode ExecutableMode =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
        UnixFileMode.GroupRead | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    /// <summary>
    /// Makes <paramref name="path"/> newer than the last build of the launcher
    /// in <paramref name="repoRoot"/> by one tick of the file clock (100 ns):
    /// newer than that build's stamp, older than the next build's, with no
    /// waiting for the clock to move on.
    /// </summary>
    public static void TouchAfterBuild(string repoRoot, string path) =>
        File.SetLastWriteTimeUtc(path, File.GetLastWriteTimeUtc(StampOf(repoRoot)).AddTicks(1));

    private static string StampOf(string repoRoot) => Path.Combine(repoRoot, "artifacts", "launcher", "stamp");

    /// <summary>Moves the last build's stamp a minute into the past.</summary>
    public static void BackdateBuild(string repoRoot) =>
        File.SetLastWriteTimeUtc(StampOf(repoRoot), DateTime.UtcNow.AddMinutes(-1));

    /// <summary>Lines of a log file, or none when it does not exist.</summary>
    public static string[] ReadLines(string path) =>
        File.Exists(path) ? File.ReadAllLines(path).Where(l => l.Length > 0).ToArray() : [];

    private static string FindRepositoryRoot()
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

    private static string FindDotnetRoot()
    {
        var candidates = new List<string>();
        if (Environment.GetEnvironmentVariable("DOTNET_ROOT") is { Length: > 0 } fromEnvironment)
        {
            candidates.Add(fromEnvironment);
        }

        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
        {
            var dotnet = Path.Combine(dir, "dotnet");
            if (dir.Length > 0 && File.Exists(dotnet))
            {
                var target = File.ResolveLinkTarget(dotnet, returnFinalTarget: true)?.FullName ?? dotnet;
                candidates.Add(Path.GetDirectoryName(target)!);
            }
        }

        candidates.Add("/usr/share/dotnet");
        candidates.Add("/usr/lib/dotnet");
        return candidates.FirstOrDefault(c => Directory.Exists(Path.Combine(c, "host", "fxr")) &&
                                             File.Exists(Path.Combine(c, "dotnet")))
            ?? throw new InvalidOperationException("no .NET installation found (DOTNET_ROOT, PATH, /usr/share/dotnet)");
    }
}
