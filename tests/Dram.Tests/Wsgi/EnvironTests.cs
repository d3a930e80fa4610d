using System.Text;
using System.Text.Json;
using Dram.Tests.Support;

namespace Dram.Tests.Wsgi;

/// <summary>PEP 3333 "environ Variables": what the app sees for a request (tests/apps/wsgi_echo.py, validated).</summary>
[Collection(UsesPython.Name)]
public sealed class EnvironTests(PythonFixture python)
{
    private const string App = "wsgi_echo:app";

    /// <summary>Sends the raw request <paramref name="build"/> makes for the server's URL; returns the echo.</summary>
    private async Task<(JsonElement Environ, JsonElement Whole)> RawEchoAsync(Func<string, string> build)
    {
        var url = await python.UrlAsync(App);
        var response = await RawRequests.SendAsync(url, build(url));
        Assert.True(response.StatusCode == 200, $"echo answered {response.StatusLine}: {response.BodyText}");
        var whole = AppControl.Json(response.BodyText);
        return (whole.GetProperty("environ"), whole);
    }

    [Fact]
    public async Task Environ_PlainGet_HasEveryRequiredKey()
    {
        var url = await python.UrlAsync(App);
        var port = new Uri(url).Port;
        var body = await python.Http.GetStringAsync(new Uri($"{url}/some/path?x=1&y=two"));
        var whole = AppControl.Json(body);
        var environ = whole.GetProperty("environ");
        var types = whole.GetProperty("types");

        Assert.Equal("GET", environ.Str("REQUEST_METHOD"));
        Assert.Equal(string.Empty, environ.Str("SCRIPT_NAME"));
        Assert.Equal("/some/path", environ.Str("PATH_INFO"));
        Assert.Equal("x=1&y=two", environ.Str("QUERY_STRING"));
        Assert.False(string.IsNullOrEmpty(environ.Str("SERVER_NAME")));
        Assert.Equal(port.ToString(System.Globalization.CultureInfo.InvariantCulture), environ.Str("SERVER_PORT"));
        Assert.Equal("HTTP/1.1", environ.Str("SERVER_PROTOCOL"));
        Assert.Equal("[1,0]", environ.GetProperty("wsgi.version").GetRawText().Replace(" ", "", StringComparison.Ordinal));
        Assert.Equal("http", environ.Str("wsgi.url_scheme"));
        Assert.True(types.Has("wsgi.input"), "wsgi.input missing");
        Assert.True(types.Has("wsgi.errors"), "wsgi.errors missing");
        Assert.Equal(JsonValueKind.False, environ.GetProperty("wsgi.run_once").ValueKind);
        Assert.Contains(environ.GetProperty("wsgi.multiprocess").ValueKind, new[] { JsonValueKind.True, JsonValueKind.False });
        Assert.Contains(environ.GetProperty("wsgi.multithread").ValueKind, new[] { JsonValueKind.True, JsonValueKind.False });
        Assert.Equal($"127.0.0.1:{port}", environ.Str("HTTP_HOST"));
    }

    [Fact]
    public async Task Environ_ManyDistinctMethods_EachArrivesAsSent()
    {
        // Methods are tokens the client chooses (RFC 9110 §9.1); the server caches the common ones
        // but must hand every one over exactly, however many different ones arrive.
        var url = await python.UrlAsync(App);
        for (var i = 0; i < 150; i++)
        {
            var method = $"CUSTOM{i}";
            using var request = new HttpRequestMessage(new HttpMethod(method), new Uri($"{url}/m"));
            using var response = await python.Http.SendAsync(request);
            var environ = AppControl.EchoEnviron(await response.Content.ReadAsStringAsync());
            Assert.Equal(method, environ.Str("REQUEST_METHOD"));
        }
    }

    [Fact]
    public async Task Environ_ThreadsAboveOne_MultithreadTrue()
    {
        var url = await python.UrlAsync(App, threads: 8);
        var environ = AppControl.EchoEnviron(await python.Http.GetStringAsync(new Uri(url + "/")));
        Assert.Equal(JsonValueKind.True, environ.GetProperty("wsgi.multithread").ValueKind);
    }

    [Fact]
    public async Task Environ_ContentTypeAndLength_HaveNoHttpPrefix()
    {
        var url = await python.UrlAsync(App);
        using var content = new StringContent("hello", Encoding.ASCII, "text/x-dram");
        using var response = await python.Http.PostAsync(new Uri(url + "/post"), content);
        var whole = AppControl.Json(await response.Content.ReadAsStringAsync());
        var environ = whole.GetProperty("environ");

        Assert.Equal("POST", environ.Str("REQUEST_METHOD"));
        Assert.StartsWith("text/x-dram", environ.Str("CONTENT_TYPE"), StringComparison.Ordinal);
        Assert.Equal("5", environ.Str("CONTENT_LENGTH"));
        Assert.False(environ.Has("HTTP_CONTENT_TYPE"));
        Assert.False(environ.Has("HTTP_CONTENT_LENGTH"));
        Assert.Equal(5, whole.GetProperty("input").GetProperty("length").GetInt32());
    }

    [Fact]
    public async Task Environ_RepeatedHeader_JoinedWithComma()
    {
        var (environ, _) = await RawEchoAsync(url => RawRequests.Get(url, "/", "X-Multi: first", "X-Other: 1", "X-Multi: second"));
        Assert.Equal("first,second", environ.Str("HTTP_X_MULTI"));
        Assert.Equal("1", environ.Str("HTTP_X_OTHER"));
    }

    [Fact]
    public async Task Environ_PercentEncodedPath_IsLatin1OfDecodedRawBytes()
    {
        var (environ, _) = await RawEchoAsync(url => RawRequests.Get(url, "/a/caf%C3%A9/x%2Fy?q=%20a+b&r=caf%C3%A9"));
        // The UTF-8 bytes C3 A9 of "é" arrive as the two latin-1 characters U+00C3 U+00A9; %2F decodes to "/".
        Assert.Equal("/a/caf\u00c3\u00a9/x/y", environ.Str("PATH_INFO"));
        Assert.Equal("q=%20a+b&r=caf%C3%A9", environ.Str("QUERY_STRING"));
    }

    [Fact]
    public async Task Environ_DotSegmentsInTarget_NotNormalised()
    {
        var (environ, _) = await RawEchoAsync(url => RawRequests.Get(url, "/static/../x/./y"));
        Assert.Equal("/static/../x/./y", environ.Str("PATH_INFO"));
    }

    [Fact]
    public async Task Environ_EmptyQuery_QueryStringEmpty()
    {
        var (environ, _) = await RawEchoAsync(url => RawRequests.Get(url, "/nothing"));
        Assert.Equal(string.Empty, environ.Str("QUERY_STRING") ?? string.Empty);
        Assert.Equal("/nothing", environ.Str("PATH_INFO"));
    }

    [Fact]
    public async Task Environ_Latin1HeaderByte_ArrivesAsLatin1Character()
    {
        // "caf" + byte 0xE9: sent as raw latin-1 bytes (RawRequests encodes requests as latin-1).
        var (environ, _) = await RawEchoAsync(url => RawRequests.Get(url, "/", "X-Latin: caf\u00e9"));
        Assert.Equal("caf\u00e9", environ.Str("HTTP_X_LATIN"));
    }

    [Fact]
    public async Task Environ_HeaderNamesWithUnderscore_Dropped()
    {
        var (environ, whole) = await RawEchoAsync(url => RawRequests.Get(url, "/", "Content_Length: 5", "X_Evil: 1", "X-Good: 1"));
        Assert.Equal("1", environ.Str("HTTP_X_GOOD"));
        Assert.False(environ.Has("HTTP_X_EVIL"), "a header named X_Evil reached the app as HTTP_X_EVIL");
        Assert.False(environ.Has("HTTP_CONTENT_LENGTH"));
        Assert.NotEqual("5", environ.Str("CONTENT_LENGTH"));
        Assert.DoesNotContain(whole.GetProperty("types").EnumerateObject(), p => p.Name.Contains("EVIL", StringComparison.Ordinal));
        Assert.Equal(0, whole.GetProperty("input").GetProperty("length").GetInt32());
    }

    [Fact]
    public async Task Environ_RemoteAddressAndPort_AreTheClientSocket()
    {
        var url = await python.UrlAsync(App);
        await using var connection = await RawConnection.OpenAsync(url);
        await connection.SendAsync(RawRequests.Get(url, "/"));
        var response = await connection.ReadResponseAsync();
        var environ = AppControl.EchoEnviron(response.BodyText);

        Assert.Equal("127.0.0.1", environ.Str("REMOTE_ADDR"));
        Assert.Equal(connection.LocalEndPoint.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), environ.Str("REMOTE_PORT"));
    }

    [Fact]
    public async Task Environ_Http10Request_ServerProtocolHttp10()
    {
        var (environ, _) = await RawEchoAsync(url => $"GET /old HTTP/1.0\r\nHost: {RawConnection.HostOf(url)}\r\n\r\n");
        Assert.Equal("HTTP/1.0", environ.Str("SERVER_PROTOCOL"));
    }

    [Fact]
    public async Task Environ_MutatedByApp_NextRequestGetsFreshDict()
    {
        var url = await python.UrlAsync(App);
        await using var connection = await RawConnection.OpenAsync(url);

        await connection.SendAsync(RawRequests.Get(url, "/first?mutate=1"));
        var first = await connection.ReadResponseAsync();
        Assert.Equal(200, first.StatusCode);

        // Same connection, so the same Kestrel connection state: the environ must still be new.
        await connection.SendAsync(RawRequests.Get(url, "/second"));
        var second = AppControl.EchoEnviron((await connection.ReadResponseAsync()).BodyText);
        Assert.False(second.Has("dram.test.mutated"), "a key the previous request's app added is still there");
        Assert.False(second.Has("HTTP_X_DRAM_MUTATED"));
        Assert.Equal("/second", second.Str("PATH_INFO"));
        Assert.Equal(string.Empty, second.Str("QUERY_STRING"));
    }
}
