using Dram.Cli;

namespace Dram.Tests.Cli;

public class CommandLineParserErrorTests
{
    // Arguments are space-separated here to keep the table readable; none of them contains a space.
    [Theory]
    [InlineData("--bogus", "unrecognized option '--bogus'")]
    [InlineData("-x", "unrecognized option '-x'")]
    [InlineData("--bind", "requires a value")]
    [InlineData("--threads --factory", "requires a value")]
    [InlineData("--factory=1", "does not take a value")]
    [InlineData("one:app two:app", "unexpected argument 'two:app'")]
    [InlineData("--threads 0", "invalid --threads '0'")]
    [InlineData("--threads 1025", "from 1 to 1024")]
    [InlineData("--threads -1", "from 1 to 1024")]
    [InlineData("--threads eight", "from 1 to 1024")]
    [InlineData("--max-request-body -5", "whole number of bytes")]
    [InlineData("--max-request-body 10X", "whole number of bytes")]
    [InlineData("--max-request-body 99999999999999999999", "too large")]
    [InlineData("--max-request-body 99999999999T", "too large")]
    [InlineData("--log-level verbose", "must be one of debug, info, warning, error, critical")]
    [InlineData("--chdir /definitely/not/here/dram", "no such directory")]
    [InlineData("--python=", "must not be empty")]
    [InlineData("--pythonpath=", "must not be empty")]
    [InlineData("-b 127.0.0.1", "missing port")]
    [InlineData("-b :8000", "missing host")]
    [InlineData("-b 127.0.0.1:65536", "port number from 0 to 65535")]
    [InlineData("-b 127.0.0.1:http", "port number")]
    [InlineData("-b ::1:8000", "brackets")]
    [InlineData("-b [::1]8000", "expected HOST:PORT")]
    [InlineData("-b [nothost]:8000", "not an IPv6 address")]
    [InlineData("-b 1.2.3:80", "not a valid host")]
    [InlineData("-b bad_host!:80", "not a valid host")]
    [InlineData("-b unix:", "missing socket path")]
    [InlineData("-b fd://x", "not a file descriptor number")]
    [InlineData("myapp:", "missing attribute")]
    [InlineData(":app", "not a valid module name")]
    [InlineData("my-app:app", "not a valid module name")]
    [InlineData("pkg..mod:app", "not a valid module name")]
    [InlineData("1app", "not a valid module name")]
    [InlineData("app:1attr", "not a valid attribute name")]
    [InlineData("app:a:b", "not a valid attribute name")]
    [InlineData("app:create_app()", "--factory")]
    [InlineData("app.py", "looks like a file name")]
    [InlineData("src/app:app", "not a path")]
    public void Parse_BadCommandLine_FailsWithOneLine(string args, string expected)
    {
        var result = CommandLineParser.Parse(args.Split(' '), new Dictionary<string, string>());

        AssertOneLineError(result, expected);
    }

    [Theory]
    [InlineData("DRAM_THREADS", "many", "invalid DRAM_THREADS 'many'")]
    [InlineData("DRAM_FACTORY", "maybe", "must be one of 1, 0, true, false, yes, no")]
    [InlineData("DRAM_BIND", "127.0.0.1:1,nope", "invalid DRAM_BIND 'nope'")]
    [InlineData("DRAM_APP", "my app", "invalid DRAM_APP")]
    [InlineData("DRAM_LOG_LEVEL", "loud\nly", "invalid DRAM_LOG_LEVEL 'loud\\x0aly'")]
    public void Parse_BadEnvironment_FailsWithOneLine(string name, string value, string expected)
    {
        var result = CommandLineParser.Parse([], new Dictionary<string, string> { [name] = value });

        AssertOneLineError(result, expected);
    }

    [Fact]
    public async Task RunAsync_UsageError_PrintsErrorAndHintAndExits2()
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        var code = await CliApp.RunAsync(["--threads", "0"], new Dictionary<string, string>(), stdout, stderr);

        Assert.Equal(2, code);
        Assert.Empty(stdout.ToString());
        var lines = stderr.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("dram: error: invalid --threads '0'", lines[0], StringComparison.Ordinal);
        Assert.Equal("Try 'dram --help'.", lines[1]);
    }

    private static void AssertOneLineError(ParseResult result, string expected)
    {
        Assert.Equal(ParseAction.Error, result.Action);
        Assert.NotNull(result.Error);
        Assert.Contains(expected, result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', result.Error);
        Assert.DoesNotContain('\r', result.Error);
    }
}
