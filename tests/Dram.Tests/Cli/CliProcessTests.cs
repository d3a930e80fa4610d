namespace Dram.Tests.Cli;

/// <summary>Runs the built dram.dll as a real process, to check exit codes and that no stack trace reaches the user.</summary>
public class CliProcessTests
{
    [Fact]
    public async Task Dram_Version_PrintsVersionAndExits0()
    {
        var (code, stdout, stderr) = await RunDramAsync("--version");

        Assert.Equal(0, code);
        Assert.Equal("dram 0.1.0", stdout.Trim());
        Assert.Empty(stderr);
    }

    [Fact]
    public async Task Dram_Help_PrintsUsageAndExits0()
    {
        var (code, stdout, stderr) = await RunDramAsync("--help");

        Assert.Equal(0, code);
        Assert.StartsWith("usage: dram", stdout, StringComparison.Ordinal);
        Assert.Contains("DRAM_BIND", stdout, StringComparison.Ordinal);
        Assert.Empty(stderr);
    }

    [Fact]
    public async Task Dram_UnknownOption_PrintsOneErrorLineAndExits2()
    {
        var (code, stdout, stderr) = await RunDramAsync("--no-such-option");

        Assert.Equal(2, code);
        Assert.Empty(stdout);
        Assert.Equal(["dram: error: unrecognized option '--no-such-option'", "Try 'dram --help'."], stderr.Trim().Split('\n').Select(l => l.TrimEnd('\r')));
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dram_BadOptionValue_Exits2WithoutStackTrace()
    {
        var (code, _, stderr) = await RunDramAsync("--threads", "x");

        Assert.Equal(2, code);
        Assert.StartsWith("dram: error: invalid --threads 'x'", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Stdout, string Stderr)> RunDramAsync(params string[] args)
    {
        var result = await DramProcess.RunAsync(args);
        return (result.ExitCode, result.Stdout, result.Stderr);
    }
}
