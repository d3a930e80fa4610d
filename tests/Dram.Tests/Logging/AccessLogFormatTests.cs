using Dram.Server.Logging;

namespace Dram.Tests.Logging;

/// <summary>Parsing gunicorn's access_log_format once at start-up: what is accepted, and the one-line errors.</summary>
public sealed class AccessLogFormatTests
{
    [Theory]
    [InlineData(AccessLogFormat.Default)]
    [InlineData("%(h)s %(l)s %(u)s %(t)s \"%(r)s\" %(m)s %(U)s %(q)s %(H)s %(s)s %(B)s %(b)s %(f)s %(a)s %(T)s %(M)s %(D)s %(L)s %(p)s")]
    [InlineData("%({X-Request-Id}i)s %({content-type}o)s 100%%")]
    [InlineData("no atoms at all")]
    [InlineData("")]
    public void Parse_GunicornFormats_Accepted(string format) => AccessLogFormat.Parse(format);

    [Theory]
    [InlineData("%(zz)s", "unknown atom %(zz)s")]
    [InlineData("%(h)s %(x)s", "unknown atom %(x)s")]
    [InlineData("%({}i)s", "unknown atom %({}i)s")]
    [InlineData("%({HOME}e)s", "%({HOME}e)s is not supported")]
    [InlineData("100%", "a lone % at position 3")]
    [InlineData("%(h", "%( at position 0 is not closed")]
    [InlineData("%(h)d", "%(h) must be followed by s")]
    public void Parse_BadFormat_OneLineNamingTheProblem(string format, string expected)
    {
        var e = Assert.Throws<FormatException>(() => AccessLogFormat.Parse(format));

        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void UsesBytes_OnlyWithBOrB()
    {
        Assert.True(AccessLogFormat.Parse(AccessLogFormat.Default).UsesBytes);
        Assert.True(AccessLogFormat.Parse("%(B)s").UsesBytes);
        Assert.False(AccessLogFormat.Parse("%(h)s %(s)s %(D)s").UsesBytes);
    }
}
