using System.Text.Json;
using Dram.Server.Hosting;
using Dram.Tests.Support;

namespace Dram.Tests.Hosting;

/// <summary>
/// --forwarded-allow-ips: proxy headers from a trusted peer set the client address, scheme and
/// host the app sees (WSGI environ and ASGI scope); from anyone else they change nothing. The test
/// client connects from 127.0.0.1, which the default trusts. Live servers, real requests.
/// </summary>
[Collection(UsesPython.Name)]
public sealed class ForwardedHeadersTests(PythonFixture python)
{
    private async Task<JsonElement> EnvironAsync(string url, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url + "/forwarded");
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await python.Http.SendAsync(request);
        return AppControl.Json(await response.Content.ReadAsStringAsync()).GetProperty("environ");
    }

    [Fact]
    public async Task XForwarded_FromTrustedPeer_SetsRemoteAddrSchemeAndHost()
    {
        var url = await python.UrlAsync("wsgi_echo:app");
        var environ = await EnvironAsync(url, ("X-Forwarded-For", "203.0.113.7"), ("X-Forwarded-Proto", "https"), ("X-Forwarded-Host", "shop.example"));

        Assert.Equal("203.0.113.7", environ.Str("REMOTE_ADDR"));
        Assert.Equal("https", environ.Str("wsgi.url_scheme"));
        Assert.Equal("shop.example", environ.Str("HTTP_HOST"));
        Assert.Equal("shop.example", environ.Str("SERVER_NAME"));
    }

    [Fact]
    public async Task XForwardedFor_ClientPrependsAnAddress_RightMostUntrustedWins()
    {
        // The client wrote "1.2.3.4"; the proxy on 127.0.0.1 appended what it saw, 203.0.113.7.
        var url = await python.UrlAsync("wsgi_echo:app");
        var environ = await EnvironAsync(url, ("X-Forwarded-For", "1.2.3.4, 203.0.113.7"));

        Assert.Equal("203.0.113.7", environ.Str("REMOTE_ADDR"));
    }

    [Fact]
    public async Task XForwardedFor_ChainOfTrustedProxies_WalkedPast()
    {
        await using var own = await OwnServer.StartAsync(python, "wsgi_echo:app", o => o.ForwardedAllowIps = ["127.0.0.1", "10.0.0.0/8"]);
        var environ = await EnvironAsync(own.Url, ("X-Forwarded-For", "1.2.3.4, 198.51.100.9, 10.1.2.3"));

        Assert.Equal("198.51.100.9", environ.Str("REMOTE_ADDR"));
    }

    [Fact]
    public async Task Forwarded_Rfc7239_PreferredOverXForwarded()
    {
        var url = await python.UrlAsync("wsgi_echo:app");
        var environ = await EnvironAsync(
            url,
            ("Forwarded", "for=192.0.2.60;proto=https;host=\"api.example:8443\""),
            ("X-Forwarded-For", "203.0.113.7"));

        Assert.Equal("192.0.2.60", environ.Str("REMOTE_ADDR"));
        Assert.Equal("https", environ.Str("wsgi.url_scheme"));
        Assert.Equal("api.example:8443", environ.Str("HTTP_HOST"));
        Assert.Equal("8443", environ.Str("SERVER_PORT"));
    }

    [Fact]
    public async Task Forwarded_QuotedIpv6WithPort()
    {
        var url = await python.UrlAsync("wsgi_echo:app");
        var environ = await EnvironAsync(url, ("Forwarded", "for=\"[2001:db8:cafe::17]:4711\""));

        Assert.Equal("2001:db8:cafe::17", environ.Str("REMOTE_ADDR"));
        Assert.Equal("4711", environ.Str("REMOTE_PORT"));
    }

    [Fact]
    public async Task UntrustedPeer_HeadersChangeNothing()
    {
        await using var own = await OwnServer.StartAsync(python, "wsgi_echo:app", o => o.ForwardedAllowIps = ["10.0.0.1"]);
        var environ = await EnvironAsync(own.Url, ("X-Forwarded-For", "203.0.113.7"), ("X-Forwarded-Proto", "https"), ("X-Forwarded-Host", "evil.example"));

        Assert.Equal("127.0.0.1", environ.Str("REMOTE_ADDR"));
        Assert.Equal("http", environ.Str("wsgi.url_scheme"));
        Assert.StartsWith("127.0.0.1:", environ.Str("HTTP_HOST"), StringComparison.Ordinal);
        Assert.Equal("203.0.113.7", environ.Str("HTTP_X_FORWARDED_FOR")); // still there for the app to see
    }

    [Fact]
    public async Task Star_TrustsEveryPeer_AndEveryHop()
    {
        await using var own = await OwnServer.StartAsync(python, "wsgi_echo:app", o => o.ForwardedAllowIps = ["*"]);
        var environ = await EnvironAsync(own.Url, ("X-Forwarded-For", "1.2.3.4, 203.0.113.7"));

        Assert.Equal("1.2.3.4", environ.Str("REMOTE_ADDR"));
    }

    [Fact]
    public async Task BadProtoOrHost_Ignored()
    {
        var url = await python.UrlAsync("wsgi_echo:app");
        var environ = await EnvironAsync(url, ("X-Forwarded-Proto", "gopher"), ("X-Forwarded-Host", "bad host/with space"));

        Assert.Equal("http", environ.Str("wsgi.url_scheme"));
        Assert.StartsWith("127.0.0.1:", environ.Str("HTTP_HOST"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Asgi_ClientAndScheme_FromTrustedProxy()
    {
        var url = await python.UrlAsync("asgi_echo:app");
        using var request = new HttpRequestMessage(HttpMethod.Get, url + "/forwarded");
        request.Headers.TryAddWithoutValidation("X-Forwarded-For", "203.0.113.7");
        request.Headers.TryAddWithoutValidation("X-Forwarded-Proto", "https");
        using var response = await python.Http.SendAsync(request);
        var scope = AppControl.Json(await response.Content.ReadAsStringAsync()).GetProperty("scope");

        Assert.Equal("203.0.113.7", scope.GetProperty("client")[0].GetString());
        Assert.Equal("https", scope.Str("scheme"));
    }

    [Theory]
    [InlineData("10.0.0.0/33")]
    [InlineData("10.0.0.1/8")]
    [InlineData("not-an-ip")]
    [InlineData("")]
    public void TrustedProxies_BadEntry_Refused(string entry)
    {
        Assert.False(TrustedProxies.TryParseEntry(entry, out _, out _));
        var error = Assert.Throws<FormatException>(() => TrustedProxies.Parse([entry]));
        Assert.Contains($"'{entry}'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TrustedProxies_UnixSocketPeer_AlwaysTrusted()
    {
        Assert.True(TrustedProxies.Parse(["10.0.0.1"]).IsTrusted(null));
        Assert.False(TrustedProxies.Parse(["10.0.0.1"]).IsTrusted(System.Net.IPAddress.Loopback));
        Assert.True(TrustedProxies.Parse(["::1"]).IsTrusted(System.Net.IPAddress.IPv6Loopback));
    }
}
