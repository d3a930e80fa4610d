using Dram.Tests.Support;

namespace Dram.Tests.Apps;

/// <summary>Bottle, Falcon and Pyramid under gunicorn, one worker each, started together.</summary>
public sealed class HelloAppsUnderGunicorn : IAsyncLifetime
{
    public static readonly string[] Apps = ["real.bottle_app:app", "real.falcon_app:app", "real.pyramid_app:app"];

    public Dictionary<string, GunicornServer> Servers { get; } = Apps.ToDictionary(a => a, a => new GunicornServer(a));

    public Task InitializeAsync() => Task.WhenAll(Servers.Values.Select(s => s.InitializeAsync()));

    public Task DisposeAsync() => Task.WhenAll(Servers.Values.Select(s => s.DisposeAsync()));
}

/// <summary>
/// Hello apps of three frameworks (tests/apps/real/{bottle,falcon,pyramid}_app.py): the index and a
/// route with a path parameter give Dram the same status, headers and body as gunicorn.
/// </summary>
[Collection(UsesPython.Name)]
public sealed class HelloAppTests(PythonFixture python, HelloAppsUnderGunicorn gunicorn) : IClassFixture<HelloAppsUnderGunicorn>
{
    [Theory]
    [InlineData("real.bottle_app:app", "Hello from Bottle\n")]
    [InlineData("real.falcon_app:app", "Hello from Falcon\n")]
    [InlineData("real.pyramid_app:app", "Hello from Pyramid\n")]
    public async Task Index_Get_SameAsGunicorn(string app, string expected)
    {
        var (dram, reference) = await Exchange.GetBothAsync(python.Http, await python.UrlAsync(app), gunicorn.Servers[app].Url, "/");

        Assert.Equal(200, dram.Status);
        Assert.Equal(expected, dram.Text);
        Assert.Equal(expected.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), dram.Header("Content-Length"));
        Exchange.AssertSame(dram, reference);
    }

    [Theory]
    [InlineData("real.bottle_app:app", "bottle")]
    [InlineData("real.falcon_app:app", "falcon")]
    [InlineData("real.pyramid_app:app", "pyramid")]
    public async Task PathParameter_PercentEncoded_DecodedAsGunicornDoes(string app, string framework)
    {
        // %C3%A9 is é in UTF-8: PATH_INFO carries the bytes as latin-1 and each framework
        // re-decodes them, so the name comes back as é only if the server kept PEP 3333's rule.
        var (dram, reference) = await Exchange.GetBothAsync(python.Http, await python.UrlAsync(app), gunicorn.Servers[app].Url, "/hello/Ren%C3%A9%20M");

        Assert.Equal(200, dram.Status);
        Assert.Equal(framework, dram.Json.GetProperty("framework").GetString());
        Assert.Equal("René M", dram.Json.GetProperty("hello").GetString());
        Exchange.AssertSame(dram, reference);
    }

    [Theory]
    [InlineData("real.bottle_app:app")]
    [InlineData("real.falcon_app:app")]
    [InlineData("real.pyramid_app:app")]
    public async Task UnknownRoute_Get_Same404AsGunicorn(string app)
    {
        var (dram, reference) = await Exchange.GetBothAsync(python.Http, await python.UrlAsync(app), gunicorn.Servers[app].Url, "/no/such/route");

        Assert.Equal(404, dram.Status);
        Exchange.AssertSame(dram, reference);
    }

    [Theory]
    [InlineData("real.bottle_app:app")]
    [InlineData("real.falcon_app:app")]
    [InlineData("real.pyramid_app:app")]
    public async Task Index_Head_SameHeadersAsGunicornAndNoBody(string app)
    {
        var (dram, reference) = await Exchange.BothAsync(python.Http, await python.UrlAsync(app), gunicorn.Servers[app].Url,
            url => new HttpRequestMessage(HttpMethod.Head, new Uri(url + "/")));

        Assert.Empty(dram.Body);
        Exchange.AssertSame(dram, reference);
    }
}
