using Dram.Tests.Support;

namespace Dram.Tests.Launcher;

/// <summary>
/// A throwaway repository for exercising the <c>dram</c> launcher's own logic
/// in milliseconds: the real launcher script beside a small source tree shaped
/// like the project's, and a fake <c>dotnet</c> first on PATH that records
/// every call and, for <c>build</c>/<c>publish</c>, writes a fake server at the
/// output path it was given. The fake server is a script that prints its pid,
/// working directory and arguments.
/// </summary>
internal sealed class FakeLauncherRepo : IDisposable
{
    private const string FakeDotnet = """
        #!/usr/bin/env bash
        # Fake dotnet: records the call; build/publish write a fake server.
        printf '%s|%s\n' "$PWD" "$*" >> "$FAKE_DOTNET_LOG"
        case "${1:-}" in
          build|publish) ;;
          *) exit 0 ;;
        esac
        echo "fake-build: compiling"
        if [[ -n ${FAKE_BUILD_SLEEP:-} ]]; then sleep "$FAKE_BUILD_SLEEP"; fi
        if [[ -n ${FAKE_BUILD_FAIL:-} ]]; then
          echo "fake-build: error FAKE001: it does not compile"
          exit 1
        fi
        out=$PWD/artifacts/bin/Dram/release
        prev=
        for arg in "$@"; do
          case $prev in -o|--output) out=$arg ;; esac
          case $arg in -o=*|--output=*) out=${arg#*=} ;; esac
          prev=$arg
        done
        mkdir -p "$out"
        : > "$out/dram.dll"
        cat > "$out/dram" <<'APP'
        #!/usr/bin/env bash
        sleeper=
        trap 'echo "got-term"; [[ -n $sleeper ]] && kill "$sleeper"; exit 43' TERM
        echo "pid=$$"
        echo "cwd=$PWD"
        echo "args=$*"
        echo "argc=$#"
        for arg in "$@"; do echo "arg=[$arg]"; done
        if [[ -n ${FAKE_APP_SLEEP:-} ]]; then
          sleep "$FAKE_APP_SLEEP" > /dev/null 2>&1 &
          sleeper=$!
          wait "$sleeper"
        fi
        exit 0
        APP
        chmod +x "$out/dram"
        echo "fake-build: done"
        """;

    /// <summary>
    /// Moves the last build's stamp a minute into the past, so any change made
    /// now (a file added or deleted, which touches its directory) is newer.
    /// </summary>
    public void BackdateBuild() => LauncherTestSupport.BackdateBuild(Root);

    /// <summary>Makes a file newer than the last build (see <see cref="LauncherTestSupport.TouchAfterBuild"/>).</summary>
    public void Touch(string relative) => LauncherTestSupport.TouchAfterBuild(Root, PathOf(relative));

    public FakeLauncherRepo()
    {
        WorkDirectory = LauncherTestSupport.CreateTempDirectory("dram-launcher");
        Root = Path.Combine(WorkDirectory, "repo");
        FakeBin = Path.Combine(WorkDirectory, "bin");
        DotnetLog = Path.Combine(WorkDirectory, "dotnet.log");

        Directory.CreateDirectory(Root);
        File.Copy(LauncherTestSupport.LauncherScript, Launcher);
        LauncherTestSupport.MakeExecutable(Launcher);

        foreach (var relative in SourceFiles)
        {
            var path = Path.Combine(Root, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, $"// {relative}\n");
        }

        LauncherTestSupport.WriteExecutable(Path.Combine(FakeBin, "dotnet"), FakeDotnet);
    }

    /// <summary>Files of the fake tree, relative to <see cref="Root"/>: one of each kind the build reads.</summary>
    public static IReadOnlyList<string> SourceFiles { get; } =
    [
        "Directory.Build.props",
        "Directory.Packages.props",
        "global.json",
        "nuget.config",
        "Dram.slnx",
        "src/Dram/Dram.csproj",
        "src/Dram/Program.cs",
        "src/Dram/Cli/Options.cs",
        "src/Dram.Python/Dram.Python.csproj",
        "src/Dram.Python/Bootstrap/dram_runtime.py",
        "src/Dram.Server/Dram.Server.csproj",
        "src/Dram.Server/Wsgi/wsgi_support.py",
        "src/Dram.Server/Settings/defaults.json",
        "tests/Dram.Tests/SomeTests.cs",
    ];

    /// <summary>Holds repo/, bin/ and the fake dotnet's log.</summary>
    public string WorkDirectory { get; }

    /// <summary>The fake repository's root, where <c>dram</c> lives.</summary>
    public string Root { get; }

    public string Launcher => Path.Combine(Root, "dram");

    /// <summary>Directory with the fake <c>dotnet</c>.</summary>
    public string FakeBin { get; }

    /// <summary>One line per call of the fake dotnet: <c>cwd|args</c>.</summary>
    public string DotnetLog { get; }

    public string[] DotnetCalls => LauncherTestSupport.ReadLines(DotnetLog);

    public string[] BuildCalls => DotnetCalls
        .Where(l => l.Split('|', 2)[1].Split(' ')[0] is "build" or "publish")
        .ToArray();

    public string PathOf(string relative) => Path.Combine(Root, relative);

    /// <summary>The environment a launcher run gets: the fake dotnet first on PATH.</summary>
    public Dictionary<string, string?> Environment(params (string Name, string? Value)[] extra)
    {
        var environment = new Dictionary<string, string?>
        {
            ["PATH"] = LauncherTestSupport.PathWithFirst(FakeBin),
            ["FAKE_DOTNET_LOG"] = DotnetLog,
            ["DOTNET_ROOT"] = null,
            ["DRAM_LAUNCHER_DRY_RUN"] = null,
        };
        foreach (var (name, value) in extra)
        {
            environment[name] = value;
        }

        return environment;
    }

    public ChildProcess Start(string[] arguments, string? workingDirectory = null, params (string Name, string? Value)[] extra) =>
        ChildProcess.Start(Launcher, arguments, workingDirectory ?? WorkDirectory, Environment(extra));

    public Task<ChildProcessResult> RunAsync(params string[] arguments) =>
        RunInAsync(WorkDirectory, arguments);

    public Task<ChildProcessResult> RunInAsync(string workingDirectory, string[] arguments, params (string Name, string? Value)[] extra) =>
        ChildProcess.RunAsync(Launcher, arguments, workingDirectory, Environment(extra), TimeSpan.FromSeconds(60));

    /// <summary>What <c>DRAM_LAUNCHER_DRY_RUN=1 ./dram</c> says: "build" or "up-to-date".</summary>
    public async Task<string> DryRunAsync()
    {
        var result = await RunInAsync(WorkDirectory, [], ("DRAM_LAUNCHER_DRY_RUN", "1"));
        Assert.True(result.ExitCode == 0, result.ToString());
        return result.Stdout.Trim();
    }

    /// <summary>Runs the launcher once, expecting it to build and start the fake server.</summary>
    public async Task BuildAsync()
    {
        var before = BuildCalls.Length;
        var result = await RunAsync("--version");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(before + 1, BuildCalls.Length);
    }

    public void Dispose() => LauncherTestSupport.DeleteDirectory(WorkDirectory);
}
