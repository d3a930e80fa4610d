using System.Globalization;
using System.Text.RegularExpressions;
using Dram.Tests.Support;

namespace Dram.Tests.Launcher;

/// <summary>
/// A copy of the repository's sources and launcher in a temp directory, built
/// once by <c>./dram --version</c> with the real SDK, so the launcher tests
/// never touch the working tree's own build.
/// </summary>
public sealed class RealBuildCopyFixture : IAsyncLifetime
{
    private static readonly string[] s_rootFiles =
    [
        "dram", "Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props",
        "global.json", "nuget.config", ".editorconfig",
    ];

    private static readonly HashSet<string> s_skippedDirectories =
        new(StringComparer.Ordinal) { "bin", "obj", "__pycache__", ".vs" };

    public string WorkDirectory { get; } = LauncherTestSupport.CreateTempDirectory("dram-launcher-real");

    public string Root => Path.Combine(WorkDirectory, "repo");

    public string Launcher => Path.Combine(Root, "dram");

    /// <summary>The first <c>./dram --version</c>, which built the copy.</summary>
    internal ChildProcessResult InitialRun { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var source = LauncherTestSupport.RepositoryRoot;
        CopyTree(Path.Combine(source, "src"), Path.Combine(Root, "src"));  // creates Root too
        foreach (var file in s_rootFiles)
        {
            if (File.Exists(Path.Combine(source, file)))
            {
                File.Copy(Path.Combine(source, file), Path.Combine(Root, file));
            }
        }

        LauncherTestSupport.MakeExecutable(Launcher);

        // As a user would start it: the real dotnet on PATH, no DOTNET_ROOT.
        InitialRun = await ChildProcess.RunAsync(
            Launcher, ["--version"], WorkDirectory,
            new Dictionary<string, string?>
            {
                ["DOTNET_ROOT"] = null,
                ["DRAM_LAUNCHER_DRY_RUN"] = null,
                ["PATH"] = LauncherTestSupport.PathWithFirst(LauncherTestSupport.DotnetRoot),
            },
            TimeSpan.FromMinutes(5));
    }

    public Task DisposeAsync()
    {
        LauncherTestSupport.DeleteDirectory(WorkDirectory);
        return Task.CompletedTask;
    }

    /// <summary>Fails the calling test with the build's output when the first build failed.</summary>
    public void AssertBuilt() =>
        Assert.False(
            InitialRun.Stderr.Contains("dram: build failed", StringComparison.Ordinal),
            $"the copy of the sources did not build:\n{InitialRun}");

    private static void CopyTree(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }

        foreach (var dir in Directory.EnumerateDirectories(from))
        {
            if (!s_skippedDirectories.Contains(Path.GetFileName(dir)))
            {
                CopyTree(dir, Path.Combine(to, Path.GetFileName(dir)));
            }
        }
    }
}

/// <summary>
/// The <c>dram</c> launcher with the real SDK and the real server binary, in a
/// copy of the repository (see <see cref="RealBuildCopyFixture"/>).
/// </summary>
public sealed partial class LauncherRealBuildTests : IClassFixture<RealBuildCopyFixture>, IDisposable
{
    private const int GuardExitCode = 97;
    private static readonly string[] s_straceLocations = ["/usr/bin/strace", "/bin/strace"];

    private readonly RealBuildCopyFixture _copy;
    private readonly string _bin = LauncherTestSupport.CreateTempDirectory("dram-launcher-bin");

    public LauncherRealBuildTests(RealBuildCopyFixture copy)
    {
        _copy = copy;
        _copy.AssertBuilt();
    }

    public void Dispose() => LauncherTestSupport.DeleteDirectory(_bin);

    private string DotnetLog => Path.Combine(_bin, "dotnet.log");

    [Fact]
    public async Task Version_UpToDateBuild_DoesNotRunSdk()
    {
        // A dotnet that only records that it was called, first on PATH.
        LauncherTestSupport.WriteExecutable(Path.Combine(_bin, "dotnet"), $"""
            #!/usr/bin/env bash
            printf '%s\n' "$*" >> '{DotnetLog}'
            echo "guard dotnet: the launcher ran 'dotnet $*'" >&2
            exit {GuardExitCode}
            """);

        var result = await ChildProcess.RunAsync(
            _copy.Launcher, ["--version"], _bin, Environment(), TimeSpan.FromMinutes(1));

        Assert.Empty(LauncherTestSupport.ReadLines(DotnetLog));
        Assert.NotEqual(GuardExitCode, result.ExitCode);
        Assert.DoesNotContain("dram:", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Version_UpToDateBuild_ServerBinaryRunsInChildProcess()
    {
        var strace = s_straceLocations.FirstOrDefault(File.Exists);
        Assert.True(strace is not null, "strace is missing: ./test installs it (tests/debian-packages.txt)");
        var tracePrefix = Path.Combine(_bin, "trace");

        // -ff: one file per process, named trace.<pid>, so no line is split.
        var result = await ChildProcess.RunAsync(
            strace, ["-ff", "-qq", "-s", "4096", "-e", "trace=execve", "-o", tracePrefix, _copy.Launcher, "--version"],
            _bin, Environment(), TimeSpan.FromMinutes(1));
        Assert.DoesNotContain("dram:", result.Stderr, StringComparison.Ordinal);

        var execs = Directory.EnumerateFiles(_bin, "trace.*")
            .SelectMany(file => File.ReadLines(file)
                .Select(line => ExecveLine().Match(line))
                .Where(m => m.Success && m.Groups["result"].Value == "0")
                .Select(m => (Pid: int.Parse(Path.GetExtension(file)[1..], CultureInfo.InvariantCulture),
                              Path: m.Groups["path"].Value)))
            .ToList();
        var trace = string.Join('\n', execs.Select(e => $"{e.Pid} {e.Path}"));

        // The launcher's process: the one that executed the script.
        var launcherPid = Assert.Single(execs, e => e.Path == _copy.Launcher).Pid;
        var lastInLauncher = execs.Where(e => e.Pid == launcherPid).Select(e => e.Path).Last();
        Assert.True(Path.GetFileName(lastInLauncher) == "dram" && lastInLauncher != _copy.Launcher && IsElf(lastInLauncher),
            $"the launcher's pid {launcherPid} should end by executing the server's native apphost; executions:\n{trace}");
        Assert.True(!execs.Any(e => Path.GetFileName(e.Path) == "dotnet"),
            $"no process should run dotnet when the build is current; executions:\n{trace}");
    }

    [Fact]
    public async Task Version_SourceTouched_RebuildsOnceWithSdk()
    {
        WriteSpyDotnet();
        LauncherTestSupport.TouchAfterBuild(_copy.Root, Path.Combine(_copy.Root, "src", "Dram", "Program.cs"));

        var rebuilt = await RunWithSpyAsync();
        var callsAfterRebuild = LauncherTestSupport.ReadLines(DotnetLog);
        var again = await RunWithSpyAsync();

        Assert.DoesNotContain("dram:", rebuilt.Stderr, StringComparison.Ordinal);
        var call = Assert.Single(callsAfterRebuild);
        Assert.Matches("^(build|publish) ", call);
        Assert.DoesNotContain("dram:", again.Stderr, StringComparison.Ordinal);
        Assert.Single(LauncherTestSupport.ReadLines(DotnetLog));
    }

    [Fact]
    public async Task Version_CompileError_ReportsCompilerOutputAndBuildFailed()
    {
        WriteSpyDotnet();
        var broken = Path.Combine(_copy.Root, "src", "Dram", "LauncherTestBroken.cs");
        await File.WriteAllTextAsync(broken, "namespace Dram.Cli;\ninternal static class Broken { int }\n");
        ChildProcessResult failed;
        try
        {
            failed = await RunWithSpyAsync();
        }
        finally
        {
            File.Delete(broken);
        }

        Assert.Equal(1, failed.ExitCode);
        Assert.Equal("", failed.Stdout);
        Assert.Contains("LauncherTestBroken.cs", failed.Stderr, StringComparison.Ordinal);
        Assert.Equal("dram: build failed (see above)", failed.Stderr.TrimEnd('\n').Split('\n')[^1]);

        // The file is gone again: the next start builds and succeeds.
        var fixedRun = await RunWithSpyAsync();
        Assert.DoesNotContain("dram:", fixedRun.Stderr, StringComparison.Ordinal);
        Assert.Equal(2, LauncherTestSupport.ReadLines(DotnetLog).Length);
    }

    private Dictionary<string, string?> Environment() => new()
    {
        ["PATH"] = LauncherTestSupport.PathWithFirst(_bin),
        ["DOTNET_ROOT"] = LauncherTestSupport.DotnetRoot,
        ["DRAM_LAUNCHER_DRY_RUN"] = null,
    };

    /// <summary>A dotnet first on PATH that records each call, then runs the real one.</summary>
    private void WriteSpyDotnet() =>
        LauncherTestSupport.WriteExecutable(Path.Combine(_bin, "dotnet"), $"""
            #!/usr/bin/env bash
            printf '%s\n' "$*" >> '{DotnetLog}'
            exec '{LauncherTestSupport.DotnetExecutable}' "$@"
            """);

    private Task<ChildProcessResult> RunWithSpyAsync() =>
        ChildProcess.RunAsync(_copy.Launcher, ["--version"], _bin, Environment(), TimeSpan.FromMinutes(5));

    private static bool IsElf(string path)
    {
        Span<byte> magic = stackalloc byte[4];
        using var stream = File.OpenRead(path);
        return stream.Read(magic) == 4 && magic.SequenceEqual("\u007fELF"u8);
    }

    [GeneratedRegex("""^execve\("(?<path>(?:[^"\\]|\\.)*)",.*\) = (?<result>-?\d+)""")]
    private static partial Regex ExecveLine();
}
