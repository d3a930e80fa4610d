using Dram.Cli;
using Dram.Server;
using Microsoft.Extensions.Logging;

namespace Dram.Tests.Limits;

/// <summary>The limit and log settings from the command line, the environment and --log-config, under gunicorn's names.</summary>
public sealed class LimitSettingsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dram-limit-settings-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Parse_CommandLine_GunicornNamesApplied()
    {
        var options = Run(
            ["--limit-request-line", "8190", "--limit-request-fields", "50", "--limit-request-field_size", "16380",
             "--keep-alive", "2", "--header-timeout", "10", "--min-body-rate", "0", "--error-log", "-"],
            []);

        Assert.Equal(8190, options.LimitRequestLine);
        Assert.Equal(50, options.LimitRequestFields);
        Assert.Equal(16380, options.LimitRequestFieldSize);
        Assert.Equal(TimeSpan.FromSeconds(2), options.KeepAlive);
        Assert.Equal(TimeSpan.FromSeconds(10), options.HeaderTimeout);
        Assert.Equal(0, options.MinBodyRate);
        Assert.Equal("-", options.ErrorLogPath);
    }

    [Fact]
    public void Parse_DashedAlias_SameSettingOnCommandLineAndInConfigFile()
    {
        Assert.Equal(300, Run(["--limit-request-field-size", "300"], []).LimitRequestFieldSize);
        Assert.Equal(400, Run(["--limit-request-field-size=400"], []).LimitRequestFieldSize);

        var config = Path.Combine(_dir, "dram.json");
        File.WriteAllText(config, """{"limit-request-field-size": 500}""");
        Assert.Equal(500, Run(["--config", config], []).LimitRequestFieldSize);
    }

    [Fact]
    public void Parse_Environment_UnderscoreNameBecomesOneVariable()
    {
        var log = Path.Combine(_dir, "error.log");
        var options = Run([], new() { ["DRAM_LIMIT_REQUEST_FIELD_SIZE"] = "100", ["DRAM_KEEP_ALIVE"] = "9", ["DRAM_ERROR_LOG"] = log });

        Assert.Equal(100, options.LimitRequestFieldSize);
        Assert.Equal(TimeSpan.FromSeconds(9), options.KeepAlive);
        Assert.Equal(log, options.ErrorLogPath);
    }

    [Fact]
    public void Parse_LogConfig_LevelsByCategory()
    {
        var file = Path.Combine(_dir, "log.json");
        File.WriteAllText(file, """
            {
              // .NET's appsettings.json shape
              "LogLevel": {"Default": "Warning", "dram.limits": "none", "Microsoft.AspNetCore": "Debug", "dram.wsgi": "error"},
            }
            """);

        var options = Run(["--log-config", file], []);

        Assert.Equal(LogLevel.Warning, options.LogCategoryLevels["Default"]);
        Assert.Equal(LogLevel.None, options.LogCategoryLevels["dram.limits"]);
        Assert.Equal(LogLevel.Debug, options.LogCategoryLevels["Microsoft.AspNetCore"]);
        Assert.Equal(LogLevel.Error, options.LogCategoryLevels["dram.wsgi"]);
    }

    [Theory]
    [InlineData("--limit-request-line", "-1")]
    [InlineData("--limit-request-fields", "32769")]
    [InlineData("--limit-request-field_size", "lots")]
    [InlineData("--keep-alive", "0")]
    [InlineData("--header-timeout", "0")]
    [InlineData("--min-body-rate", "-5")]
    [InlineData("--error-log", "")]
    public void Parse_OutOfRange_OneErrorNamingTheValue(string flag, string value)
    {
        var result = CommandLineParser.Parse([flag, value], new Dictionary<string, string>());

        Assert.Equal(ParseAction.Error, result.Action);
        var error = Assert.Single(result.Errors!);
        Assert.StartsWith($"invalid {flag} '{value}'", error, StringComparison.Ordinal);
    }

    private static DramServerOptions Run(string[] args, Dictionary<string, string> env)
    {
        var result = CommandLineParser.Parse(args, env);
        Assert.True(result.Action == ParseAction.Run, $"expected Run, got {result.Action}: {string.Join("; ", result.Errors ?? [])}");
        return result.Options!;
    }
}
