using Dram.Cli;
using Dram.Server;
using Microsoft.Extensions.Logging;

namespace Dram.Tests.Cli;

public class CommandLineParserTests
{
    private static readonly Dictionary<string, string> NoEnv = [];

    private static DramServerOptions Run(string[] args, Dictionary<string, string>? env = null)
    {
        var result = CommandLineParser.Parse(args, env ?? NoEnv);
        Assert.True(result.Action == ParseAction.Run, $"expected Run, got {result.Action}: {result.Error}");
        return result.Options!;
    }

    [Fact]
    public void Parse_NothingGiven_LeavesServerDefaults()
    {
        var options = Run([]);

        Assert.Null(options.App);
        Assert.False(options.Factory);
        Assert.Empty(options.Binds);
        Assert.Null(options.Chdir);
        Assert.Empty(options.PythonPath);
        Assert.Null(options.Python);
        Assert.Equal(8, options.Threads);
        Assert.Equal(1L << 30, options.MaxRequestBody);
        Assert.Equal(LogLevel.Information, options.LogLevel);
    }

    [Fact]
    public void Parse_EverySettingOnCommandLine_AppliesEach()
    {
        var dir = Path.GetTempPath();
        var options = Run(
        [
            "--factory", "-b", "0.0.0.0:9000", "--bind=[::1]:9001", "--chdir", dir, "--pythonpath", "lib",
            "--pythonpath=src", "--python", "/usr/bin/python3.12", "--threads", "16", "--max-request-body", "10M",
            "--log-level", "DEBUG", "pkg.web:app.wsgi",
        ]);

        Assert.Equal("pkg.web:app.wsgi", options.App);
        Assert.True(options.Factory);
        Assert.Equal(["0.0.0.0:9000", "[::1]:9001"], options.Binds);
        Assert.Equal(dir, options.Chdir);
        Assert.Equal(["lib", "src"], options.PythonPath);
        Assert.Equal("/usr/bin/python3.12", options.Python);
        Assert.Equal(16, options.Threads);
        Assert.Equal(10L * 1024 * 1024, options.MaxRequestBody);
        Assert.Equal(LogLevel.Debug, options.LogLevel);
    }

    [Fact]
    public void Parse_EnvironmentOnly_BeatsDefaults()
    {
        var sep = Path.PathSeparator;
        var options = Run([], new()
        {
            ["DRAM_APP"] = "myapp",
            ["DRAM_FACTORY"] = "yes",
            ["DRAM_BIND"] = "127.0.0.1:1, localhost:2",
            ["DRAM_PYTHONPATH"] = $"a{sep}b",
            ["DRAM_THREADS"] = "4",
            ["DRAM_MAX_REQUEST_BODY"] = "2048",
            ["DRAM_LOG_LEVEL"] = "error",
        });

        Assert.Equal("myapp", options.App);
        Assert.True(options.Factory);
        Assert.Equal(["127.0.0.1:1", "localhost:2"], options.Binds);
        Assert.Equal(["a", "b"], options.PythonPath);
        Assert.Equal(4, options.Threads);
        Assert.Equal(2048, options.MaxRequestBody);
        Assert.Equal(LogLevel.Error, options.LogLevel);
    }

    [Fact]
    public void Parse_CommandLineAndEnvironment_CommandLineWins()
    {
        var options = Run(["--threads", "2", "-b", "127.0.0.1:3", "other:app"], new()
        {
            ["DRAM_APP"] = "myapp",
            ["DRAM_THREADS"] = "4",
            ["DRAM_BIND"] = "127.0.0.1:1,127.0.0.1:2",
            ["DRAM_LOG_LEVEL"] = "warning",
        });

        Assert.Equal("other:app", options.App);
        Assert.Equal(2, options.Threads);
        Assert.Equal(["127.0.0.1:3"], options.Binds); // the command line replaces the environment's list
        Assert.Equal(LogLevel.Warning, options.LogLevel); // not on the command line, so the environment applies
    }

    [Theory]
    [InlineData("1", true)]
    [InlineData("true", true)]
    [InlineData("YES", true)]
    [InlineData("0", false)]
    [InlineData("False", false)]
    [InlineData("no", false)]
    public void Parse_BooleanEnvironment_AcceptsCommonSpellings(string raw, bool expected) =>
        Assert.Equal(expected, Run([], new() { ["DRAM_FACTORY"] = raw }).Factory);

    [Fact]
    public void Parse_EmptyEnvironmentVariable_CountsAsUnset() =>
        Assert.Equal(8, Run([], new() { ["DRAM_THREADS"] = "" }).Threads);

    [Fact]
    public void Parse_SingleValueOptionTwice_LastWins() =>
        Assert.Equal(3, Run(["--threads", "2", "--threads=3"]).Threads);

    [Fact]
    public void Parse_DoubleDash_TreatsNextAsApp() =>
        Assert.Equal("app", Run(["--", "app"]).App);

    [Fact]
    public void Parse_ShortOptionWithAttachedValue_Applies() =>
        Assert.Equal(["127.0.0.1:5"], Run(["-b127.0.0.1:5"]).Binds);

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    public void Parse_Help_ReturnsHelpEvenWithBadArguments(string flag) =>
        Assert.Equal(ParseAction.Help, CommandLineParser.Parse(["--bogus", flag], NoEnv).Action);

    [Theory]
    [InlineData("--version")]
    [InlineData("-V")]
    public void Parse_Version_ReturnsVersion(string flag) =>
        Assert.Equal(ParseAction.Version, CommandLineParser.Parse([flag], NoEnv).Action);
}

/// <summary>--forwarded-allow-ips: the catalogue's list, also read from FORWARDED_ALLOW_IPS as gunicorn and uvicorn do.</summary>
public class ForwardedAllowIpsParsingTests
{
    [Fact]
    public void NotGiven_ServerDefault()
    {
        var result = CommandLineParser.Parse([], new Dictionary<string, string>());
        Assert.Null(result.Options!.ForwardedAllowIps);
    }

    [Fact]
    public void CommandLine_Repeated_AllKept()
    {
        var result = CommandLineParser.Parse(["--forwarded-allow-ips", "10.0.0.0/8", "--forwarded-allow-ips", "::1"], new Dictionary<string, string>());
        Assert.Equal(["10.0.0.0/8", "::1"], result.Options!.ForwardedAllowIps!);
    }

    [Fact]
    public void GunicornsVariable_ReadWhenDramsIsUnset()
    {
        var result = CommandLineParser.Parse([], new Dictionary<string, string> { ["FORWARDED_ALLOW_IPS"] = "192.168.0.0/16, *" });
        Assert.Equal(["192.168.0.0/16", "*"], result.Options!.ForwardedAllowIps!);
    }

    [Fact]
    public void DramsVariable_WinsOverGunicorns()
    {
        var result = CommandLineParser.Parse([], new Dictionary<string, string>
        {
            ["FORWARDED_ALLOW_IPS"] = "*",
            ["DRAM_FORWARDED_ALLOW_IPS"] = "10.1.1.1",
        });
        Assert.Equal(["10.1.1.1"], result.Options!.ForwardedAllowIps!);
    }

    [Fact]
    public void BadCidr_OneLineErrorNamingTheValueAndItsSource()
    {
        var result = CommandLineParser.Parse([], new Dictionary<string, string> { ["FORWARDED_ALLOW_IPS"] = "10.0.0.0/40" });
        Assert.Equal(ParseAction.Error, result.Action);
        Assert.Contains("FORWARDED_ALLOW_IPS", result.Error, StringComparison.Ordinal);
        Assert.Contains("'10.0.0.0/40'", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', result.Error!);
    }
}
