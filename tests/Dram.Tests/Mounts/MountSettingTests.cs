using Dram.Cli;
using Dram.Tests.Cli;

namespace Dram.Tests.Mounts;

/// <summary>--mount and DRAM_MOUNT: the shape of a value, normalisation, duplicates across values, and every bad one reported at once.</summary>
public class MountSettingTests
{
    private static ParseResult Parse(params string[] args) => CommandLineParser.Parse(args, new Dictionary<string, string>());

    [Theory]
    [InlineData("one=x:app", "invalid --mount 'one=x:app': the prefix must start with '/'")]
    [InlineData("/api", "invalid --mount '/api': expected /PREFIX=MODULE:ATTRIBUTE")]
    [InlineData("/=m:app", "'/' is the whole site")]
    [InlineData("//=m:app", "'/' is the whole site")]
    [InlineData("/a//b=m:app", "empty, '.' or '..' segment")]
    [InlineData("/a/../b=m:app", "empty, '.' or '..' segment")]
    [InlineData("/a/./b=m:app", "empty, '.' or '..' segment")]
    [InlineData("/a%2Fb=m:app", "without '%'")]
    [InlineData("/a?b=m:app", "without '%', '?'")]
    [InlineData("/api=my-app:app", "'my-app' is not a valid module name")]
    [InlineData("/api=", "must not be empty")]
    [InlineData("/api=app.py", "looks like a file name")]
    public void Mount_BadValue_OneLineNamingIt(string value, string expected)
    {
        var result = Parse("--mount", value);

        Assert.Equal(ParseAction.Error, result.Action);
        Assert.Contains(expected, result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', result.Error!);
    }

    [Fact]
    public void Mount_Repeated_EachPrefixNormalised_InOrder()
    {
        var result = Parse("--mount", "/api/=api:app", "--mount=/admin/tools=admin.site:app.wsgi", "main:app");

        Assert.Equal(ParseAction.Run, result.Action);
        Assert.Equal("main:app", result.Options!.App);
        Assert.Equal(
            [new Dram.Server.AppMount("/api", "api:app"), new Dram.Server.AppMount("/admin/tools", "admin.site:app.wsgi")],
            result.Options.Mounts);
    }

    [Fact]
    public void Mount_FromEnvironment_CommaSeparated()
    {
        var result = CommandLineParser.Parse([], new Dictionary<string, string> { ["DRAM_MOUNT"] = "/a=m:app, /b=n" });

        Assert.Equal(ParseAction.Run, result.Action);
        Assert.Null(result.Options!.App);
        Assert.Equal([new Dram.Server.AppMount("/a", "m:app"), new Dram.Server.AppMount("/b", "n")], result.Options.Mounts);
    }

    [Fact]
    public void Mount_FromConfigFile_ArrayOfValues_DuplicateNamed()
    {
        var config = Path.Combine(Path.GetTempPath(), $"dram-mount-{Guid.NewGuid():N}.json");
        File.WriteAllText(config, """{ "mount": ["/a=m:app", "/b/=n:app", "/b=o:app"] }""");
        try
        {
            var result = Parse("--config", config);

            Assert.Equal(ParseAction.Error, result.Action);
            Assert.Contains("invalid mount '/b=o:app' in config file", result.Error, StringComparison.Ordinal);
            Assert.Contains("the prefix /b is already mounted (by n:app)", result.Error, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(config);
        }
    }

    [Fact]
    public void Mount_SamePrefixTwice_ReportedEvenWhenSpelledWithASlash()
    {
        var result = Parse("--mount", "/a=m:app", "--mount", "/a/=n:app");

        Assert.Equal(ParseAction.Error, result.Action);
        Assert.Contains("invalid --mount '/a/=n:app': the prefix /a is already mounted (by m:app)", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dram_BadMounts_EveryErrorOnItsOwnLine_Exits2()
    {
        var result = await DramProcess.RunAsync(
            "--mount", "one=x:app", "--mount", "/a=m:app", "--mount", "/a=n:app", "--threads", "0", "my-app:app");

        Assert.Equal(2, result.ExitCode);
        result.AssertNoStackTrace();
        var lines = result.Stderr.Trim().Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        Assert.Equal(
            [
                "dram: error: invalid APP 'my-app:app': 'my-app' is not a valid module name; expected MODULE or MODULE:ATTRIBUTE, e.g. myapp:application",
                "dram: error: invalid --mount 'one=x:app': the prefix must start with '/', e.g. /api=module:app",
                "dram: error: invalid --mount '/a=n:app': the prefix /a is already mounted (by m:app)",
                "dram: error: invalid --threads '0': must be an integer from 1 to 1024",
                "Try 'dram --help'.",
            ],
            lines);
    }
}
