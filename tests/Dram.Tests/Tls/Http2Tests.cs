using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Dram.Server;
using Dram.Tests.Support;

namespace Dram.Tests.Tls;

/// <summary>
/// WSGI and ASGI apps over HTTP/2: h2 chosen by ALPN on a TLS bind, and h2c with prior knowledge on
/// an h2c:// bind, against a live in-process server and .NET's HttpClient.
/// </summary>
[Collection(UsesPython.Name)]
public sealed class Http2Tests(PythonFixture python) : IDisposable
{
    private readonly TestCertificates _certificates = new();

    public void Dispose() => _certificates.Dispose();

    private Task<OwnServer> StartAsync(string app, string bind = "127.0.0.1:0", Action<DramServerOptions>? configure = null) =>
        OwnServer.StartAsync(python, app, options =>
        {
            options.Binds.Clear();
            options.Binds.Add(bind);
            options.CertFile = _certificates.ServerCert;
            options.KeyFile = _certificates.ServerKey;
            configure?.Invoke(options);
        });

    [Fact]
    public async Task Wsgi_H2OverTls_ServerProtocolHttp2AndSchemeHttps()
    {
        await using var server = await StartAsync("wsgi_echo:app");
        Assert.StartsWith("https://", server.Url, StringComparison.Ordinal);
        using var client = TlsClients.Create(_certificates, HttpVersion.Version20);

        var (echo, version) = await TlsClients.EchoAsync(client, server.Url + "/h2?x=1");

        Assert.Equal(HttpVersion.Version20, version);
        Assert.Equal("HTTP/2", echo.Environ("SERVER_PROTOCOL"));
        Assert.Equal("https", echo.Environ("wsgi.url_scheme"));
        Assert.Equal("/h2", echo.Environ("PATH_INFO"));
        Assert.Equal("x=1", echo.Environ("QUERY_STRING"));

        // HTTP/2 has no Host header: :authority stands for it (RFC 9113 §8.3.1).
        Assert.Equal(new Uri(server.Url).Authority, echo.Environ("HTTP_HOST"));
    }

    [Fact]
    public async Task Wsgi_Http11OverTls_AlpnStillOffersHttp11()
    {
        await using var server = await StartAsync("wsgi_echo:app");
        using var client = TlsClients.Create(_certificates, HttpVersion.Version11);

        var (echo, version) = await TlsClients.EchoAsync(client, server.Url + "/");

        Assert.Equal(HttpVersion.Version11, version);
        Assert.Equal("HTTP/1.1", echo.Environ("SERVER_PROTOCOL"));
        Assert.Equal("https", echo.Environ("wsgi.url_scheme"));
    }

    [Fact]
    public async Task Wsgi_H2c_PriorKnowledgeServesHttp2InCleartext()
    {
        // h2c:// stays cleartext even with --certfile.
        await using var server = await StartAsync("wsgi_echo:app", "h2c://127.0.0.1:0");
        Assert.StartsWith("http://", server.Url, StringComparison.Ordinal);
        using var client = TlsClients.Create(_certificates, HttpVersion.Version20);

        var (echo, version) = await TlsClients.EchoAsync(client, server.Url + "/");

        Assert.Equal(HttpVersion.Version20, version);
        Assert.Equal("HTTP/2", echo.Environ("SERVER_PROTOCOL"));
        Assert.Equal("http", echo.Environ("wsgi.url_scheme"));
    }

    [Theory]
    [InlineData(12 * 1024)]
    [InlineData(40 * 1024)]
    public async Task H2_HeaderFieldOverTheLimit_431NotAConnectionError(int size)
    {
        // Below HTTP/2's own 16 KiB per-field default and above it: both get the 431 that
        // --limit-request-field_size (8190) gives on HTTP/1.1, and the server serves on.
        await using var server = await StartAsync("wsgi_echo:app");
        using var client = TlsClients.Create(_certificates, HttpVersion.Version20);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(server.Url + "/big-header")) { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
        request.Headers.TryAddWithoutValidation("X-Big", new string('a', size));
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, response.StatusCode);
        Assert.False(response.Headers.Contains("Connection"), "Connection is not an HTTP/2 header");

        var (echo, version) = await TlsClients.EchoAsync(client, server.Url + "/after");
        Assert.Equal(HttpVersion.Version20, version);
        Assert.Equal("/after", echo.Environ("PATH_INFO"));
    }

    [Fact]
    public async Task H2c_Http11Request_Refused()
    {
        await using var server = await StartAsync("wsgi_echo:app", "h2c://127.0.0.1:0");
        using var client = TlsClients.Create(_certificates, HttpVersion.Version11);

        using var response = await client.GetAsync(new Uri(server.Url + "/"));

        // Kestrel answers HTTP/1.1 on an HTTP/2-only cleartext port with 400; the app never runs.
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Theory]
    [InlineData("127.0.0.1:0")]
    [InlineData("h2c://127.0.0.1:0")]
    public async Task Wsgi_LargePostBodyWithAndWithoutLength_EchoedOverHttp2(string bind)
    {
        await using var server = await StartAsync("wsgi_echo:app", bind);
        using var client = TlsClients.Create(_certificates, HttpVersion.Version20);
        var body = RandomNumberGenerator.GetBytes(5 * 1024 * 1024 + 17);
        var expected = Convert.ToHexStringLower(SHA256.HashData(body));

        var (withLength, _) = await TlsClients.EchoAsync(client, server.Url + "/", new ByteArrayContent(body));

        // A stream of unknown length: HTTP/2 has no chunked encoding; DATA frames end with END_STREAM.
        var (withoutLength, version) = await TlsClients.EchoAsync(client, server.Url + "/", new StreamContent(new UnseekableStream(body)));

        Assert.Equal(HttpVersion.Version20, version);
        Assert.Equal(body.Length, withLength.GetProperty("input").GetProperty("length").GetInt32());
        Assert.Equal(expected, withLength.GetProperty("input").GetProperty("sha256").GetString());
        Assert.Equal(body.Length, withoutLength.GetProperty("input").GetProperty("length").GetInt32());
        Assert.Equal(expected, withoutLength.GetProperty("input").GetProperty("sha256").GetString());
        Assert.False(withoutLength.GetProperty("environ").TryGetProperty("CONTENT_LENGTH", out var length) && length.GetString() is { Length: > 0 });
    }

    [Fact]
    public async Task Wsgi_StreamedResponse_ArrivesWholeOverHttp2()
    {
        await using var server = await StartAsync("wsgi_response:generated");
        using var client = TlsClients.Create(_certificates, HttpVersion.Version20);

        using var response = await client.GetAsync(new Uri(server.Url + "/?n=200&size=10000"), HttpCompletionOption.ResponseHeadersRead);
        var body = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Equal(200 * 10000, body.Length);
        Assert.Equal((byte)'a', body[0]);
        Assert.Equal((byte)('a' + 199 % 26), body[^1]);
        Assert.False(response.Headers.TryGetValues("Transfer-Encoding", out _));
    }

    [Fact]
    public async Task Wsgi_ConcurrentStreams_ShareOneConnection()
    {
        await using var server = await StartAsync("wsgi_echo:app");
        using var client = TlsClients.Create(_certificates, HttpVersion.Version20);
        await TlsClients.EchoAsync(client, server.Url + "/warm");

        var answers = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => TlsClients.EchoAsync(client, $"{server.Url}/s{i}")));

        // One client port for all of them: the 40 requests were streams of one connection.
        Assert.Single(answers.Select(a => a.Json.Environ("REMOTE_PORT")).Distinct());
        Assert.All(answers, a => Assert.Equal(HttpVersion.Version20, a.Version));
        Assert.Equal(40, answers.Select(a => a.Json.Environ("PATH_INFO")).Distinct().Count());
    }

    [Fact]
    public async Task BodyTooLarge_Http2_413WithoutConnectionHeaderAndConnectionStillServes()
    {
        await using var server = await StartAsync("wsgi_echo:app", configure: o => o.MaxRequestBody = 1000);
        using var client = TlsClients.Create(_certificates, HttpVersion.Version20);
        var logFrom = python.Log.Position;

        using var refused = await client.PostAsync(new Uri(server.Url + "/"), new ByteArrayContent(new byte[5000]));
        var (echo, _) = await TlsClients.EchoAsync(client, server.Url + "/after");

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, refused.StatusCode);
        Assert.Equal("/after", echo.Environ("PATH_INFO"));

        // Connection: close is forbidden in HTTP/2 (RFC 9113 §8.2.2): Dram asks for GOAWAY instead,
        // so Kestrel has nothing to strip and nothing to warn about.
        Assert.DoesNotContain("invalid for HTTP/2", python.Log.Since(logFrom), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AppSaysConnectionClose_Http2_GoawayInsteadOfTheHeader()
    {
        await using var server = await StartAsync("wsgi_connection_close:app");
        using var client = TlsClients.Create(_certificates, HttpVersion.Version20);
        var logFrom = python.Log.Position;

        using var first = await client.GetAsync(new Uri(server.Url + "/"));
        var firstPort = await first.Content.ReadAsStringAsync();
        using var second = await client.GetAsync(new Uri(server.Url + "/"));
        var secondPort = await second.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpVersion.Version20, first.Version);
        Assert.False(first.Headers.Contains("Connection"));

        // The server sent GOAWAY after the first stream: the second request needed a new connection.
        Assert.NotEqual(firstPort, secondPort);
        Assert.DoesNotContain("invalid for HTTP/2", python.Log.Since(logFrom), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Drain_Http2Connection_NextStreamServedThenConnectionEnds()
    {
        await using var server = await StartAsync("wsgi_echo:app");
        using var client = TlsClients.Create(_certificates, HttpVersion.Version20);
        var (before, _) = await TlsClients.EchoAsync(client, server.Url + "/before");
        var logFrom = python.Log.Position;

        var drained = server.Server.DrainAsync();
        var (during, version) = await TlsClients.EchoAsync(client, server.Url + "/during");

        // Served on the connection already open, then GOAWAY ends it, so the drain finishes.
        Assert.Equal(HttpVersion.Version20, version);
        Assert.Equal(before.Environ("REMOTE_PORT"), during.Environ("REMOTE_PORT"));
        await drained.WaitAsync(TlsClients.Timeout);
        Assert.DoesNotContain("invalid for HTTP/2", python.Log.Since(logFrom), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Asgi_H2OverTls_HttpVersion2AndSchemeHttps()
    {
        await using var server = await StartAsync("asgi_echo:app");
        using var client = TlsClients.Create(_certificates, HttpVersion.Version20);
        var body = RandomNumberGenerator.GetBytes(300_000);

        using var response = await client.PostAsync(new Uri(server.Url + "/asgi"), new ByteArrayContent(body));
        var echo = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpVersion.Version20, response.Version);
        var scope = echo.GetProperty("scope");
        Assert.Equal("2", scope.GetProperty("http_version").GetString());
        Assert.Equal("https", scope.GetProperty("scheme").GetString());
        Assert.Equal(body.Length, echo.GetProperty("input").GetProperty("length").GetInt32());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(body)), echo.GetProperty("input").GetProperty("sha256").GetString());
    }

    [Fact]
    public async Task Asgi_H2c_ConcurrentStreams()
    {
        await using var server = await StartAsync("asgi_echo:app", "h2c://127.0.0.1:0");
        using var client = TlsClients.Create(_certificates, HttpVersion.Version20);

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(async i =>
        {
            using var response = await client.GetAsync(new Uri($"{server.Url}/c{i}"));
            return (response.Version, Json: await response.Content.ReadFromJsonAsync<JsonElement>());
        }));

        Assert.All(answers, a => Assert.Equal(HttpVersion.Version20, a.Version));
        Assert.All(answers, a => Assert.Equal("2", a.Json.GetProperty("scope").GetProperty("http_version").GetString()));
        Assert.All(answers, a => Assert.Equal("http", a.Json.GetProperty("scope").GetProperty("scheme").GetString()));
        Assert.Equal(20, answers.Select(a => a.Json.GetProperty("scope").GetProperty("path").GetString()).Distinct().Count());
    }

    /// <summary>A stream whose length HttpClient cannot know, so it sends no Content-Length.</summary>
    private sealed class UnseekableStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }
}
