using Dram.Tests.Support;

namespace Dram.Tests.Launcher;

/// <summary>
/// The <c>dram</c> launcher's logic — when it builds, how it reports a failed
/// build, the lock, exec — checked against a fake repository and a fake
/// <c>dotnet</c> (see <see cref="FakeLauncherRepo"/>), so each test takes
/// milliseconds. <see cref="LauncherRealBuildTests"/> checks the same launcher
/// with the real SDK and the real server.
/// </summary>
public sealed class LauncherTests : IDisposable
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);
    private readonly FakeLauncherRepo _repo = new();

    public void Dispose() => _repo.Dispose();

    [Fact]
    public async Task Run_NoBuild_BuildsThenStartsServerWithArguments()
    {
        var result = await _repo.RunAsync("--version", "two words", "");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Single(_repo.BuildCalls);
        Assert.Contains("argc=3\narg=[--version]\narg=[two words]\narg=[]\n", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_UpToDateBuild_DoesNotInvokeDotnet()
    {
        await _repo.BuildAsync();
        var callsAfterBuild = _repo.DotnetCalls.Length;

        var result = await _repo.RunAsync("--version");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(callsAfterBuild, _repo.DotnetCalls.Length);
        Assert.Contains("args=--version", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_UpToDateBuild_StartsQuickly()
    {
        await _repo.BuildAsync();
        await _repo.RunAsync("--version"); // warm the page cache

        var watch = System.Diagnostics.Stopwatch.StartNew();
        var result = await _repo.RunAsync("--version");
        watch.Stop();

        Assert.True(result.ExitCode == 0, result.ToString());
        // Pure bash + find: tens of milliseconds; the SDK would take seconds.
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"took {watch.Elapsed}");
    }

    [Fact]
    public async Task DryRun_NoBuild_SaysBuildAndBuildsNothing()
    {
        Assert.Equal("build", await _repo.DryRunAsync());
        Assert.Empty(_repo.DotnetCalls);
        Assert.False(Directory.Exists(_repo.PathOf("artifacts")));
    }

    [Fact]
    public async Task DryRun_AfterBuild_SaysUpToDate()
    {
        await _repo.BuildAsync();

        Assert.Equal("up-to-date", await _repo.DryRunAsync());
    }

    [Theory]
    [InlineData("src/Dram/Program.cs")]
    [InlineData("src/Dram/Cli/Options.cs")]
    [InlineData("src/Dram/Dram.csproj")]
    [InlineData("src/Dram.Python/Dram.Python.csproj")]
    [InlineData("src/Dram.Python/Bootstrap/dram_runtime.py")]
    [InlineData("src/Dram.Server/Wsgi/wsgi_support.py")]
    [InlineData("src/Dram.Server/Settings/defaults.json")]
    [InlineData("Directory.Build.props")]
    [InlineData("Directory.Packages.props")]
    [InlineData("global.json")]
    [InlineData("nuget.config")]
    public async Task Run_InputTouchedAfterBuild_Rebuilds(string input)
    {
        await _repo.BuildAsync();

        _repo.Touch(input);

        Assert.Equal("build", await _repo.DryRunAsync());
        var result = await _repo.RunAsync("--version");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(2, _repo.BuildCalls.Length);
        Assert.Equal("up-to-date", await _repo.DryRunAsync());
    }

    [Theory]
    [InlineData("tests/Dram.Tests/SomeTests.cs")]
    [InlineData("Dram.slnx")]
    public async Task Run_NonInputTouched_DoesNotRebuild(string file)
    {
        await _repo.BuildAsync();

        _repo.Touch(file);

        Assert.Equal("up-to-date", await _repo.DryRunAsync());
    }

    [Fact]
    public async Task Run_SourceFileAddedWithOldTime_Rebuilds()
    {
        await _repo.BuildAsync();
        _repo.BackdateBuild();

        var added = _repo.PathOf("src/Dram.Server/Added.cs");
        File.WriteAllText(added, "// new\n");
        File.SetLastWriteTimeUtc(added, DateTime.UtcNow.AddDays(-30));

        Assert.Equal("build", await _repo.DryRunAsync());
    }

    [Fact]
    public async Task Run_SourceFileDeleted_Rebuilds()
    {
        await _repo.BuildAsync();
        _repo.BackdateBuild();

        File.Delete(_repo.PathOf("src/Dram/Cli/Options.cs"));

        Assert.Equal("build", await _repo.DryRunAsync());
    }

    [Fact]
    public async Task Run_ArtifactsDeleted_Rebuilds()
    {
        await _repo.BuildAsync();

        Directory.Delete(_repo.PathOf("artifacts"), recursive: true);

        Assert.Equal("build", await _repo.DryRunAsync());
        await _repo.BuildAsync();
    }

    [Fact]
    public async Task Run_Build_RunsDotnetFromRepositoryRootForReleaseOfDramOnly()
    {
        await _repo.BuildAsync();

        var call = Assert.Single(_repo.BuildCalls).Split('|', 2);
        // global.json is found from the working directory.
        Assert.Equal(_repo.Root, call[0]);
        Assert.Contains("src/Dram/Dram.csproj", call[1], StringComparison.Ordinal);
        Assert.Contains("-c Release", call[1], StringComparison.Ordinal);
        Assert.DoesNotContain("slnx", call[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_Build_SendsBuildOutputToStderrOnly()
    {
        var result = await _repo.RunAsync("--version");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("fake-build: compiling", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("fake-build", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_BuildFails_PrintsOneLineAndExitsOne()
    {
        var result = await _repo.RunInAsync(_repo.WorkDirectory, ["--version"], ("FAKE_BUILD_FAIL", "1"));

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("", result.Stdout);
        Assert.Contains("fake-build: error FAKE001", result.Stderr, StringComparison.Ordinal);
        var stderrLines = result.Stderr.TrimEnd('\n').Split('\n');
        Assert.Equal("dram: build failed (see above)", stderrLines[^1]);
        Assert.Single(stderrLines, l => l.StartsWith("dram:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Run_AfterFailedBuild_TriesAgain()
    {
        await _repo.BuildAsync();
        _repo.Touch("src/Dram/Program.cs");
        var failed = await _repo.RunInAsync(_repo.WorkDirectory, ["--version"], ("FAKE_BUILD_FAIL", "1"));
        Assert.Equal(1, failed.ExitCode);

        Assert.Equal("build", await _repo.DryRunAsync());
        var result = await _repo.RunAsync("--version");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(3, _repo.BuildCalls.Length);
    }

    [Fact]
    public async Task Run_FromAnotherDirectory_ServerKeepsCallersDirectory()
    {
        var elsewhere = Path.Combine(_repo.WorkDirectory, "app dir");
        Directory.CreateDirectory(elsewhere);

        var result = await _repo.RunInAsync(elsewhere, ["--version"]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"cwd={elsewhere}\n", result.Stdout, StringComparison.Ordinal);
        Assert.True(Directory.Exists(_repo.PathOf("artifacts")));
        Assert.False(Directory.Exists(Path.Combine(elsewhere, "artifacts")));
    }

    [Fact]
    public async Task Run_ThroughSymlinkChain_FindsRepository()
    {
        var links = Path.Combine(_repo.WorkDirectory, "links");
        Directory.CreateDirectory(links);
        var relativeLink = Path.Combine(links, "dram-relative");
        File.CreateSymbolicLink(relativeLink, "../repo/dram");
        var link = Path.Combine(links, "dram");
        File.CreateSymbolicLink(link, relativeLink);

        var result = await ChildProcess.RunAsync(link, ["--version"], links, _repo.Environment(), s_timeout);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Single(_repo.BuildCalls);
        Assert.Equal(_repo.Root, _repo.BuildCalls[0].Split('|')[0]);
        Assert.False(Directory.Exists(Path.Combine(links, "artifacts")));
    }

    [Fact]
    public async Task Run_AnyStart_ServerReplacesChildProcess()
    {
        await _repo.BuildAsync();

        using var process = _repo.Start(["serve"]);
        var result = await process.WaitForExitAsync(s_timeout);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"pid={process.Pid}\n", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_FirstStartWithBuild_ServerReplacesChildProcess()
    {
        using var process = _repo.Start(["serve"]);
        var result = await process.WaitForExitAsync(s_timeout);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Single(_repo.BuildCalls);
        Assert.Contains($"pid={process.Pid}\n", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_SigtermToLauncherPid_ReachesServer()
    {
        await _repo.BuildAsync();
        using var process = _repo.Start(["serve"], null, ("FAKE_APP_SLEEP", "60"));
        await process.WaitForStdoutLineAsync(l => l.StartsWith("args=", StringComparison.Ordinal), s_timeout);

        var kill = await ChildProcess.RunAsync("kill", ["-TERM", process.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture)], _repo.WorkDirectory);
        Assert.True(kill.ExitCode == 0, kill.ToString());
        var result = await process.WaitForExitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(43, result.ExitCode);
        Assert.Contains("got-term", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_TwoConcurrentFirstStarts_BuildOnceAndBothStart()
    {
        using var first = _repo.Start(["one"], null, ("FAKE_BUILD_SLEEP", "1"));
        using var second = _repo.Start(["two"], null, ("FAKE_BUILD_SLEEP", "1"));

        var results = await Task.WhenAll(first.WaitForExitAsync(s_timeout), second.WaitForExitAsync(s_timeout));

        Assert.All(results, r => Assert.True(r.ExitCode == 0, r.ToString()));
        Assert.Contains("args=one", results[0].Stdout, StringComparison.Ordinal);
        Assert.Contains("args=two", results[1].Stdout, StringComparison.Ordinal);
        Assert.Single(_repo.BuildCalls);
        Assert.Equal("up-to-date", await _repo.DryRunAsync());
    }

    [Fact]
    public async Task Run_WhileServerThatBuiltRuns_NextStartCanStillBuild()
    {
        // This start builds (so takes the build lock), then runs the server.
        using var server = _repo.Start(["serve"], null, ("FAKE_APP_SLEEP", "60"));
        await server.WaitForStdoutLineAsync(l => l.StartsWith("args=", StringComparison.Ordinal), s_timeout);
        _repo.Touch("src/Dram/Program.cs");

        // Were the build lock inherited by the running server, this would wait a minute.
        var result = await ChildProcess.RunAsync(
            _repo.Launcher, ["--version"], _repo.WorkDirectory, _repo.Environment(), TimeSpan.FromSeconds(20));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(2, _repo.BuildCalls.Length);
    }
}
