using Dram.Cli;
using Dram.Cli.Settings;
using Dram.Server;
using Microsoft.Extensions.Logging;

namespace Dram.Tests.Cli;

/// <summary>--config: the JSON file as the lowest-precedence source, through the same parser as the command line.</summary>
public sealed class ConfigFileTests : IDisposable
{
    private static readonly Dictionary<string, string> NoEnv = [];
    private readonly string _dir = Directory.CreateTempSubdirectory("dram-config-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string json, string name = "dram.json")
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, json);
        return path;
    }

    private static DramServerOptions Run(string[] args, Dictionary<string, string>? env = null)
    {
        var result = CommandLineParser.Parse(args, env ?? NoEnv);
        Assert.True(result.Action == ParseAction.Run, $"expected Run, got {result.Action}: {result.Error}");
        return result.Options!;
    }

    private static IReadOnlyList<string> Errors(string[] args, Dictionary<string, string>? env = null)
    {
        var result = CommandLineParser.Parse(args, env ?? NoEnv);
        Assert.Equal(ParseAction.Error, result.Action);
        Assert.All(result.Errors!, e => Assert.DoesNotContain('\n', e));
        return result.Errors!;
    }

    [Fact]
    public void File_EveryType_Applied()
    {
        var path = Write($$"""
            // A comment, and trailing commas.
            {
              "app": "pkg.web:app",
              "factory": true,             // flag, as a boolean
              "bind": ["127.0.0.1:1", "[::1]:2"],
              "pythonpath": "lib",         // a list setting given one value
              "chdir": {{System.Text.Json.JsonSerializer.Serialize(_dir)}},
              "threads": 4,                // number
              "workers": "3",              // a string is accepted too
              "max-request-body": "10M",   // size
              "log-level": "debug",        // choice
              "ws-per-message-deflate": false,
              "umask": "027",              // octal
              "forwarded-allow-ips": ["10.0.0.0/8", "*"],
              /* block comment */
            }
            """);

        var options = Run(["--config", path]);

        Assert.Equal("pkg.web:app", options.App);
        Assert.True(options.Factory);
        Assert.Equal(["127.0.0.1:1", "[::1]:2"], options.Binds);
        Assert.Equal(["lib"], options.PythonPath);
        Assert.Equal(_dir, options.Chdir);
        Assert.Equal(4, options.Threads);
        Assert.Equal(3, options.Workers);
        Assert.Equal(10L << 20, options.MaxRequestBody);
        Assert.Equal(LogLevel.Debug, options.LogLevel);
        Assert.Equal(["10.0.0.0/8", "*"], options.ForwardedAllowIps!);
    }

    [Fact]
    public void Precedence_CliBeatsEnvBeatsFileBeatsDefault()
    {
        var path = Write("""{ "threads": 2, "workers": 2, "timeout": 5, "log-level": "error" }""");

        var options = Run(["--config", path, "--threads", "9"], new() { ["DRAM_THREADS"] = "7", ["DRAM_WORKERS"] = "6" });

        Assert.Equal(9, options.Threads);   // cli over env and file
        Assert.Equal(6, options.Workers);   // env over file
        Assert.Equal(TimeSpan.FromSeconds(5), options.Timeout);   // file over default
        Assert.Equal(LogLevel.Error, options.LogLevel);
        Assert.Equal(1L << 30, options.MaxRequestBody); // default
    }

    [Fact]
    public void List_ComesWholeFromOneSource()
    {
        var path = Write("""{ "bind": ["127.0.0.1:1", "127.0.0.1:2"], "pythonpath": ["a", "b"] }""");

        var options = Run(["--config", path], new() { ["DRAM_BIND"] = "127.0.0.1:3" });

        Assert.Equal(["127.0.0.1:3"], options.Binds);
        Assert.Equal(["a", "b"], options.PythonPath);
        Assert.Equal(["127.0.0.1:4"], Run(["--config", path, "-b", "127.0.0.1:4"]).Binds);
    }

    [Fact]
    public void DramConfigVariable_NamesTheFile() =>
        Assert.Equal(3, Run([], new() { ["DRAM_CONFIG"] = Write("""{"threads": 3}""") }).Threads);

    [Fact]
    public void UnknownKey_NamedWithSuggestion()
    {
        var path = Write("""{ "wrokers": 2, "frobnicate": 1 }""");

        var errors = Errors(["--config", path]);

        Assert.Equal(2, errors.Count);
        Assert.Contains("unknown setting 'wrokers' (did you mean 'workers'?)", errors[0], StringComparison.Ordinal);
        Assert.Contains("unknown setting 'frobnicate'", errors[1], StringComparison.Ordinal);
        Assert.DoesNotContain("did you mean", errors[1], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{ "threads": {"n": 2} }""", "'threads' must be a string, number or boolean, not an object")]
    [InlineData("""{ "threads": [2] }""", "'threads' must be a string, number or boolean, not an array")]
    [InlineData("""{ "threads": null }""", "not null")]
    [InlineData("""{ "bind": [["127.0.0.1:1"]] }""", "'bind' must be a string, number or boolean, or an array of them, not an array")]
    [InlineData("""[1, 2]""", "must be a JSON object of settings")]
    [InlineData("""{ "threads": 2, "threads": 3 }""", "'threads' is given twice")]
    [InlineData("""{ "config": "other.json" }""", "'config' cannot be set inside a config file")]
    [InlineData("""{ "threads": 1.5 }""", "invalid threads '1.5' in config file")]
    [InlineData("""{ "factory": "perhaps" }""", "invalid factory 'perhaps' in config file")]
    public void WrongShape_OneLineError(string json, string expected)
    {
        var errors = Errors(["--config", Write(json)]);

        Assert.Single(errors);
        Assert.Contains(expected, errors[0], StringComparison.Ordinal);
    }

    [Fact]
    public void MalformedJson_LineAndColumnInOneLine()
    {
        var path = Write("{\n  \"threads\": 2\n  \"workers\": 3\n}\n");

        var error = Assert.Single(Errors(["--config", path]));

        Assert.StartsWith($"config file '{path}': invalid JSON at line 3, column 3: ", error, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingFile_OneLineError() =>
        Assert.Contains("cannot read it", Assert.Single(Errors(["--config", Path.Combine(_dir, "absent.json")])), StringComparison.Ordinal);

    [Fact]
    public void SeveralBadValues_EveryOneReported()
    {
        var path = Write("""{ "workers": 0, "log-level": "loud", "nope": 1 }""");

        var errors = Errors(["--config", path, "--threads", "0", "--bogus", "bad app"], new() { ["DRAM_TIMEOUT"] = "soon" });

        Assert.Equal(7, errors.Count);
        Assert.Contains(errors, e => e.StartsWith("unrecognized option '--bogus'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.EndsWith("unknown setting 'nope'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("invalid --threads '0'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("invalid APP 'bad app'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("invalid DRAM_TIMEOUT 'soon'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith($"invalid workers '0' in config file '{path}'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("invalid log-level 'loud' in config file", StringComparison.Ordinal));
    }

    [Fact]
    public void PrintConfig_ShowsSourcesAndRoundTrips()
    {
        var path = Write("""{ "workers": 2, "bind": ["127.0.0.1:1", "127.0.0.1:2"], "access-log-format": "%(h)s \"%(r)s\"" }""");
        var env = new Dictionary<string, string> { ["DRAM_THREADS"] = "5" };

        var printed = CommandLineParser.Parse(["--config", path, "--log-level", "debug", "--factory", "--print-config", "app:x"], env);

        Assert.Equal(ParseAction.PrintConfig, printed.Action);
        var text = ConfigFile.Render(printed.Configuration!);
        Assert.Contains("  // cli\n  \"log-level\": \"debug\",\n", text, StringComparison.Ordinal);
        Assert.Contains("  // cli\n  \"factory\": true,\n", text, StringComparison.Ordinal);
        Assert.Contains("  // env DRAM_THREADS\n  \"threads\": 5,\n", text, StringComparison.Ordinal);
        Assert.Contains($"  // file {path}\n  \"workers\": 2,\n", text, StringComparison.Ordinal);
        Assert.Contains("  // default\n  // \"timeout\": ", text, StringComparison.Ordinal);

        // Fed back as the only source, the printed file gives the same configuration.
        var again = CommandLineParser.Parse(["--config", Write(text, "printed.json"), "--print-config"], NoEnv);
        Assert.Equal(ParseAction.PrintConfig, again.Action);
        Assert.Equal(Effective(printed), Effective(again));
    }

    [Fact]
    public void CheckConfig_Valid_ReturnsCheckConfig() =>
        Assert.Equal(ParseAction.CheckConfig, CommandLineParser.Parse(["--check-config", "--config", Write("""{"workers": 2}""")], NoEnv).Action);

    // Setting name and values, without the source (which differs by design).
    private static List<string> Effective(ParseResult result) =>
        [.. result.Configuration!.Where(e => e.Setting.Name != ConfigFile.SettingName).Select(e => e.Setting.Name + "=" + string.Join("|", e.Values))];
}
