using Dram.Cli;
using Dram.Cli.Settings;
using Dram.Server;

namespace Dram.Tests.Cli;

public class CliAppTests
{
    private static readonly Dictionary<string, string> NoEnv = [];

    [Fact]
    public async Task RunAsync_Help_ListsEverySettingWithEnvVarAndExits0()
    {
        var (code, stdout, stderr) = await RunAsync(["--help"]);

        Assert.Equal(0, code);
        Assert.Empty(stderr);
        Assert.StartsWith("usage: dram", stdout, StringComparison.Ordinal);
        foreach (var setting in SettingsCatalogue.All)
        {
            Assert.Contains(setting.LongFlag ?? setting.Metavar, stdout, StringComparison.Ordinal);
            Assert.Contains(setting.EnvVar, stdout, StringComparison.Ordinal);
        }

        Assert.Contains("-b, --bind HOST:PORT", stdout, StringComparison.Ordinal);
        Assert.Contains("default: " + DramServerOptions.DefaultBind, stdout, StringComparison.Ordinal);
        Assert.Contains("--version", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_Help_FitsIn80Columns()
    {
        var (_, stdout, _) = await RunAsync(["-h"]);

        Assert.All(stdout.Split('\n'), line => Assert.True(line.Length <= 80, $"too long: {line}"));
    }

    [Theory]
    [InlineData("--version")]
    [InlineData("-V")]
    public async Task RunAsync_Version_PrintsNameAndVersionAndExits0(string flag)
    {
        var (code, stdout, stderr) = await RunAsync([flag]);

        Assert.Equal(0, code);
        Assert.Empty(stderr);
        Assert.Equal("dram 0.1.0" + Environment.NewLine, stdout);
    }

    [Fact]
    public async Task RunAsync_StartupException_PrintsMessageAndDetailWithItsExitCode()
    {
        var (code, stdout, stderr) = await RunAsync(["myapp"], (_, _) =>
            throw new DramStartupException(ExitCodes.AppLoad, "cannot import myapp", "Traceback (most recent call last):\nImportError: boom\n"));

        Assert.Equal(ExitCodes.AppLoad, code);
        Assert.Empty(stdout);
        Assert.Equal(
            "dram: error: cannot import myapp" + Environment.NewLine + "Traceback (most recent call last):\nImportError: boom" + Environment.NewLine,
            stderr);
    }

    [Fact]
    public async Task RunAsync_StartupExceptionWithoutDetail_PrintsOneLine()
    {
        var (code, _, stderr) = await RunAsync([], (_, _) => throw new DramStartupException(ExitCodes.Usage, "no libpython"));

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Equal("dram: error: no libpython" + Environment.NewLine, stderr);
    }

    [Fact]
    public async Task RunAsync_UnexpectedException_PrintsInternalErrorAndExits1()
    {
        var (code, _, stderr) = await RunAsync([], (_, _) => throw new InvalidOperationException("oops"));

        Assert.Equal(ExitCodes.RuntimeFailure, code);
        Assert.Equal("dram: error: internal error: System.InvalidOperationException: oops" + Environment.NewLine, stderr);
    }

    [Fact]
    public async Task RunAsync_ValidArguments_PassesParsedOptionsToServer()
    {
        DramServerOptions? seen = null;
        await RunAsync(["--threads", "3", "myapp:app"], (options, _) =>
        {
            seen = options;
            throw new DramStartupException("stop here");
        });

        Assert.NotNull(seen);
        Assert.Equal(3, seen.Threads);
        Assert.Equal("myapp:app", seen.App);
    }

    private static async Task<(int Code, string Stdout, string Stderr)> RunAsync(string[] args, CliApp.ServerStarter? start = null)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await CliApp.RunAsync(args, NoEnv, stdout, stderr, start);
        return (code, stdout.ToString(), stderr.ToString());
    }
}
