using Dram.Cli.Settings;
using Dram.Server.Hosting;

namespace Dram.Tests.Cli;

public class SettingTypesTests
{
    [Theory]
    [InlineData("myapp")]
    [InlineData("myapp:application")]
    [InlineData("pkg.web:app.wsgi")]
    [InlineData("_private:_app")]
    [InlineData("café:wsgi")]
    public void AppSpecValidate_ValidShape_ReturnsInputUnchanged(string app) =>
        Assert.Equal(app, AppSpec.Validate(app));

    [Theory]
    [InlineData("127.0.0.1:8000")]
    [InlineData("0.0.0.0:0")]
    [InlineData("localhost:65535")]
    [InlineData("my-host.example.com:80")]
    [InlineData("[::1]:8000")]
    [InlineData("[::]:8000")]
    [InlineData("[fe80::1%2]:8000")]
    public void BindAddressTryParse_ValidAddress_RoundTrips(string bind)
    {
        Assert.True(BindAddress.TryParse(bind, out var parsed, out var error), error);
        Assert.Equal(bind, parsed.ToString());
    }

    [Theory]
    [InlineData("8000", "missing port")]
    [InlineData("::1:8000", "brackets")]
    [InlineData(":8000", "missing host")]
    [InlineData("1:80", "not a valid host")]
    [InlineData("127.0.0.1:65536", "not a port number")]
    [InlineData("[1.2.3.4]:80", "not an IPv6 address")]
    [InlineData("unix:", "missing socket path")]
    public void BindAddressTryParse_Invalid_SaysWhy(string bind, string reason)
    {
        Assert.False(BindAddress.TryParse(bind, out _, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0", 0L)]
    [InlineData("1024", 1024L)]
    [InlineData("10k", 10L * 1024)]
    [InlineData("10M", 10L * 1024 * 1024)]
    [InlineData("1G", 1L << 30)]
    [InlineData("1GiB", 1L << 30)]
    [InlineData("2T", 2L << 40)]
    public void ByteSizeParse_NumberWithOptionalSuffix_ReturnsBytes(string raw, long expected) =>
        Assert.Equal(expected, ByteSize.Parse(raw));

    [Theory]
    [InlineData("")]
    [InlineData("G")]
    [InlineData("1.5G")]
    [InlineData("10MB")]
    [InlineData(" 10")]
    public void ByteSizeParse_Malformed_Throws(string raw) =>
        Assert.Throws<SettingValueException>(() => ByteSize.Parse(raw));
}
