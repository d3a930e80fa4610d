using System.Globalization;
using Dram.Cli.Settings;
using Dram.Server;
using Dram.Server.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Dram.Tests.Limits;

/// <summary>The limits' documented defaults are the ones in force, and map onto Kestrel as documented.</summary>
public sealed class LimitDefaultsTests
{
    [Fact]
    public void Catalogue_DocumentedDefaults_AreTheOptionsDefaults()
    {
        var options = new DramServerOptions();
        Assert.Equal(Documented("limit-request-line"), options.LimitRequestLine.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(Documented("limit-request-fields"), options.LimitRequestFields.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(Documented("limit-request-field_size"), options.LimitRequestFieldSize.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(Documented("keep-alive"), options.KeepAlive.TotalSeconds.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(Documented("header-timeout"), options.HeaderTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(Documented("min-body-rate"), options.MinBodyRate.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(Documented("max-request-body"), options.MaxRequestBody.ToString(CultureInfo.InvariantCulture));
        Assert.Equal("-", Documented("error-log"));
        Assert.Null(options.ErrorLogPath);
    }

    [Fact]
    public void Apply_Defaults_GunicornLimitsOnKestrel()
    {
        var kestrel = new KestrelServerOptions();
        KestrelLimits.Apply(kestrel, new DramServerOptions());
        var limits = kestrel.Limits;
        Assert.Equal(4096, limits.MaxRequestLineSize); // 4094 plus the CRLF Kestrel counts
        Assert.Equal(100, limits.MaxRequestHeaderCount);
        Assert.Equal(100 * 8192, limits.MaxRequestHeadersTotalSize);
        Assert.Equal(TimeSpan.FromSeconds(5), limits.KeepAliveTimeout);
        Assert.Equal(TimeSpan.FromSeconds(30), limits.RequestHeadersTimeout);
        Assert.Equal(240, limits.MinRequestBodyDataRate!.BytesPerSecond);
        Assert.Equal(TimeSpan.FromSeconds(5), limits.MinRequestBodyDataRate.GracePeriod);
        Assert.Equal(1L << 30, limits.MaxRequestBodySize);
    }

    [Fact]
    public void Apply_Zeros_UnlimitedWithinTheRequestBuffer()
    {
        var kestrel = new KestrelServerOptions();
        KestrelLimits.Apply(kestrel, new DramServerOptions { LimitRequestLine = 0, LimitRequestFields = 0, LimitRequestFieldSize = 0, MinBodyRate = 0 });
        var limits = kestrel.Limits;
        Assert.Equal(KestrelLimits.RequestBuffer, limits.MaxRequestLineSize);
        Assert.Equal(KestrelLimits.MaxFields, limits.MaxRequestHeaderCount);
        Assert.Equal(KestrelLimits.RequestBuffer, limits.MaxRequestHeadersTotalSize);
        Assert.True(limits.MaxRequestBufferSize >= limits.MaxRequestLineSize);
        Assert.Null(limits.MinRequestBodyDataRate);
    }

    private static string Documented(string name) => SettingsCatalogue.All.Single(s => s.Name == name).Default;
}
