using System.Text.Json;
using Dram.Tests.Support;

namespace Dram.Tests.Asgi;

/// <summary>
/// ASGI HTTP "Connection Scope" (https://asgi.readthedocs.io/en/latest/specs/www.html, spec version
/// 2.4) as Dram builds it, seen by tests/apps/asgi_echo.py, which answers with its scope as JSON
/// (bytes decoded as latin-1, so every byte the server put there is visible).
/// </summary>
[Collection(UsesPython.Name)]
[Trait("Interpreters", "all")]
public sealed class AsgiScopeTests(PythonFixture python)
{
    private const string App = "asgi_echo:app";

    private static JsonElement Echo(RawResponse response)
    {
        Assert.True(response.StatusCode == 200, $"{response.StatusLine}\n{response.BodyText}");
        return JsonDocument.Parse(response.Body).RootElement.Clone();
    }

    private async Task<JsonElement> ScopeOfAsync(string target, params string[] headers)
    {
        var url = await python.UrlAsync(App);
        return Echo(await RawRequests.SendAsync(url, RawRequests.Get(url, target, headers))).GetProperty("scope");
    }

    [Fact]
    public async Task Scope_PlainGet_FixedKeysAsSpecified()
    {
        var scope = await ScopeOfAsync("/plain");

        // "type", "asgi" (version 3.0, spec_version 2.4), "http_version", "scheme", "root_path".
        Assert.Equal("http", scope.Str("type"));
        Assert.Equal("3.0", scope.GetProperty("asgi").Str("version"));
        Assert.Equal("2.4", scope.GetProperty("asgi").Str("spec_version"));
        Assert.Equal("1.1", scope.Str("http_version"));
        Assert.Equal("GET", scope.Str("method"));
        Assert.Equal("http", scope.Str("scheme"));
        Assert.Equal("", scope.Str("root_path"));
        Assert.Equal("/plain", scope.Str("path"));
        Assert.Equal("/plain", scope.Str("raw_path"));
        Assert.Equal("", scope.Str("query_string"));
    }

    [Fact]
    public async Task Scope_Types_BytesWhereTheSpecSaysBytes()
    {
        var url = await python.UrlAsync(App);
        var echo = Echo(await RawRequests.SendAsync(url, RawRequests.Get(url, "/types?a=1", "X-One: 1")));
        var types = echo.GetProperty("types");

        // "path" is a str (decoded); "raw_path" and "query_string" are byte strings; "state" is a
        // dict (spec 2.4: a copy of the lifespan state; this app answers lifespan, so it ran).
        Assert.Equal("str", types.Str("path"));
        Assert.Equal("str", types.Str("method"));
        Assert.Equal("bytes", types.Str("raw_path"));
        Assert.Equal("bytes", types.Str("query_string"));
        Assert.Equal("dict", types.Str("state"));

        // "headers": an iterable of [name, value] two-item iterables of byte strings.
        var shapes = echo.GetProperty("header_shapes").EnumerateArray().ToList();
        Assert.NotEmpty(shapes);
        Assert.All(shapes, shape =>
        {
            Assert.Equal(2, shape[1].GetInt32());
            Assert.Equal("bytes", shape[2].GetString());
            Assert.Equal("bytes", shape[3].GetString());
        });
    }

    [Theory]
    [InlineData("/a%2Fb", "/a/b", "/a%2Fb")]
    [InlineData("/caf%C3%A9", "/café", "/caf%C3%A9")]
    [InlineData("/x/../y/./z", "/x/../y/./z", "/x/../y/./z")]
    [InlineData("/sp%20ace/plus+sign", "/sp ace/plus+sign", "/sp%20ace/plus+sign")]
    [InlineData("/%7Etilde", "/~tilde", "/%7Etilde")]
    public async Task Path_RawTarget_PercentDecodedUtf8AndRawPathKept(string target, string path, string rawPath)
    {
        // "path": the HTTP request target, percent-decoded and UTF-8 decoded; "raw_path": the
        // original bytes of the path part. Dot segments are the app's business, not removed.
        var scope = await ScopeOfAsync(target + "?k=v");

        Assert.Equal(path, scope.Str("path"));
        Assert.Equal(rawPath, scope.Str("raw_path"));
        Assert.Equal("k=v", scope.Str("query_string"));
    }

    [Theory]
    [InlineData("/q?a=1&b=%20x&c=%C3%A9", "a=1&b=%20x&c=%C3%A9")]
    [InlineData("/q?", "")]
    [InlineData("/q?only", "only")]
    [InlineData("/q?x=a?b", "x=a?b")]
    public async Task QueryString_AsSent_NotDecodedWithoutQuestionMark(string target, string expected)
    {
        var scope = await ScopeOfAsync(target);

        Assert.Equal(expected, scope.Str("query_string"));
        Assert.Equal("/q", scope.Str("path"));
        Assert.Equal("/q", scope.Str("raw_path"));
    }

    [Fact]
    public async Task Headers_NamesLowerCasedValuesLatin1_InOrder()
    {
        // Sent as latin-1 bytes: "é" is the single byte 0xE9.
        var scope = await ScopeOfAsync("/headers", "X-Mixed-Case: Value Kept", "X-Latin: caf\u00e9", "X-Empty:");
        var headers = scope.GetProperty("headers").EnumerateArray()
            .Select(h => (Name: h[0].GetString()!, Value: h[1].GetString()!)).ToList();

        Assert.All(headers, h => Assert.Equal(h.Name.ToLowerInvariant(), h.Name));
        Assert.Contains(("x-mixed-case", "Value Kept"), headers);
        // The byte 0xE9 arrives as the byte 0xE9 (latin-1), not re-encoded.
        Assert.Contains(("x-latin", "caf\u00e9"), headers);
        Assert.Contains(("x-empty", ""), headers);
        Assert.Contains(headers, h => h.Name == "host");
        var mixed = headers.FindIndex(h => h.Name == "x-mixed-case");
        var latin = headers.FindIndex(h => h.Name == "x-latin");
        Assert.True(mixed < latin, $"headers out of the order they were sent: {string.Join(", ", headers)}");
    }

    [Fact]
    public async Task ClientAndServer_HostAndPortOfEachEnd()
    {
        var url = await python.UrlAsync(App);
        await using var connection = await RawConnection.OpenAsync(url);
        await connection.SendAsync(RawRequests.Get(url, "/ends"));
        var scope = Echo(await connection.ReadResponseAsync()).GetProperty("scope");

        // "client": [host, port] of the remote end; "server": [host, port] this request came in on.
        Assert.Equal("127.0.0.1", scope.GetProperty("client")[0].GetString());
        Assert.Equal(connection.LocalEndPoint.Port, scope.GetProperty("client")[1].GetInt32());
        Assert.Equal("127.0.0.1", scope.GetProperty("server")[0].GetString());
        Assert.Equal(new Uri(url).Port, scope.GetProperty("server")[1].GetInt32());
    }

    [Theory]
    [InlineData("POST")]
    [InlineData("PUT")]
    [InlineData("DELETE")]
    [InlineData("PATCH")]
    [InlineData("OPTIONS")]
    public async Task Method_AsSent_UpperCase(string method)
    {
        var url = await python.UrlAsync(App);
        var request = RawRequests.Request(method, url, "/method", "Content-Length: 0");
        var scope = Echo(await RawRequests.SendAsync(url, request)).GetProperty("scope");

        Assert.Equal(method, scope.Str("method"));
    }

    [Fact]
    public async Task Extensions_PathsendOffered()
    {
        // Extensions (spec "Extensions"): a server that supports http.response.pathsend says so in
        // scope["extensions"]; apps may only use what is offered.
        var scope = await ScopeOfAsync("/extensions");

        Assert.Contains("http.response.pathsend", scope.GetProperty("extensions").Strings());
    }

    [Fact]
    public async Task Scope_TwoRequestsOnOneConnection_EachItsOwn()
    {
        var url = await python.UrlAsync(App);
        await using var connection = await RawConnection.OpenAsync(url);
        await connection.SendAsync(RawRequests.Get(url, "/first?n=1", "X-Only-First: yes"));
        var first = Echo(await connection.ReadResponseAsync()).GetProperty("scope");
        await connection.SendAsync(RawRequests.Get(url, "/second"));
        var second = Echo(await connection.ReadResponseAsync()).GetProperty("scope");

        Assert.Equal("/first", first.Str("path"));
        Assert.Equal("/second", second.Str("path"));
        Assert.Equal("", second.Str("query_string"));
        Assert.DoesNotContain(second.GetProperty("headers").EnumerateArray(), h => h[0].GetString() == "x-only-first");
        Assert.Equal(first.GetProperty("client")[1].GetInt32(), second.GetProperty("client")[1].GetInt32());
    }
}
