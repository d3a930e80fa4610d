using Dram.Cli;
using Dram.Server.Hosting;

namespace Dram.Tests.Supervision;

/// <summary>The syntax of <c>unix:PATH</c> and <c>fd://N</c> binds, <c>--umask</c> and <c>--pid</c>.</summary>
public class BindParseTests
{
    [Theory]
    [InlineData("unix:/run/dram.sock", "/run/dram.sock")]
    [InlineData("unix:relative.sock", "relative.sock")]
    [InlineData("unix:///run/dram.sock", "/run/dram.sock")]
    public void Unix_Parses(string text, string path)
    {
        Assert.True(BindAddress.TryParse(text, out var bind, out var error), error);
        Assert.Equal(path, bind.UnixPath);
        Assert.Null(bind.Fd);
        Assert.False(bind.IsTcp);
        Assert.Equal("unix:" + path, bind.ToString());
    }

    [Fact]
    public void Fd_Parses()
    {
        Assert.True(BindAddress.TryParse("fd://3", out var bind, out var error), error);
        Assert.Equal(3, bind.Fd);
        Assert.Null(bind.UnixPath);
        Assert.Equal("fd://3", bind.ToString());
    }

    [Fact]
    public void Tcp_StillTcp()
    {
        Assert.True(BindAddress.TryParse("127.0.0.1:8000", out var bind, out _));
        Assert.True(bind.IsTcp);
    }

    [Theory]
    [InlineData("unix:", "missing socket path")]
    [InlineData("unix://", "missing socket path")]
    [InlineData("fd://", "not a file descriptor number")]
    [InlineData("fd://-1", "not a file descriptor number")]
    [InlineData("fd://3x", "not a file descriptor number")]
    [InlineData("fd://9999999999", "not a file descriptor number")]
    [InlineData("fd://0", "standard input, output or error")]
    [InlineData("fd://2", "standard input, output or error")]
    public void Invalid_SaysWhy(string text, string reason)
    {
        Assert.False(BindAddress.TryParse(text, out _, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Unix_PathLongerThanSunPath_Refused()
    {
        Assert.True(BindAddress.TryParse("unix:/" + new string('a', 106), out _, out _));
        Assert.False(BindAddress.TryParse("unix:/" + new string('a', 107), out _, out var error));
        Assert.Contains("at most 107", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0", 0)]
    [InlineData("022", 0x12)]
    [InlineData("77", 0x3F)]
    [InlineData("0o077", 0x3F)]
    [InlineData("0777", 0x1FF)]
    public void Umask_IsOctal(string text, int mask)
    {
        var result = CommandLineParser.Parse(["--umask", text], new Dictionary<string, string>());
        Assert.Equal(ParseAction.Run, result.Action);
        Assert.Equal(mask, result.Options!.Umask);
    }

    [Theory]
    [InlineData("8")]
    [InlineData("1000")]
    [InlineData("0x1f")]
    [InlineData("")]
    [InlineData("-1")]
    public void Umask_NotOctalOrTooWide_Refused(string text)
    {
        var result = CommandLineParser.Parse(["--umask=" + text], new Dictionary<string, string>());
        Assert.Equal(ParseAction.Error, result.Action);
        Assert.Contains("octal", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Defaults_NoPidFileUmask0()
    {
        var result = CommandLineParser.Parse([], new Dictionary<string, string>());
        Assert.Null(result.Options!.PidFile);
        Assert.Equal(0, result.Options.Umask);
    }

    [Fact]
    public void PidAndUmask_FromTheEnvironment()
    {
        var result = CommandLineParser.Parse([], new Dictionary<string, string> { ["DRAM_PID"] = "/run/dram.pid", ["DRAM_UMASK"] = "007" });
        Assert.Equal("/run/dram.pid", result.Options!.PidFile);
        Assert.Equal(7, result.Options.Umask);
    }
}
