using Dram.Tests.Support;

namespace Dram.Tests.Wsgi;

/// <summary>Malformed HTTP gets a 4xx and does not hurt the server.</summary>
[Collection(UsesPython.Name)]
public sealed class BadRequestTests(PythonFixture python)
{
    private const string App = "wsgi_echo:app";

    /// <summary>Sends <paramref name="request"/> on its own connection and returns the status the server answered.</summary>
    private static async Task<int> SendBadAsync(string url, string request)
    {
        await using var connection = await RawConnection.OpenAsync(url);
        await connection.SendAsync(request);
        return (await connection.ReadResponseAsync()).StatusCode;
    }

    private static async Task AssertStillServesAsync(string url)
    {
        var next = await RawRequests.SendAsync(url, RawRequests.Get(url, "/after-bad-request"));
        Assert.Equal(200, next.StatusCode);
        Assert.Equal("/after-bad-request", AppControl.EchoEnviron(next.BodyText).Str("PATH_INFO"));
    }

    [Theory]
    [InlineData("GARBAGE\r\n\r\n")]
    [InlineData("GET / HTTP/1.1 trailing\r\nHost: x\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: x\r\nNo colon in this line\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: x\r\nBad Name: value\r\n\r\n")]
    [InlineData("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n")]
    [InlineData("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab")]
    [InlineData("GET / HTTP/1.1\r\n\r\n")]
    public async Task MalformedRequestHead_Gets400WithoutRunningApp_ServerStillServes(string request)
    {
        var url = await python.UrlAsync(App);
        var from = python.Log.Position;
        Assert.Equal(400, await SendBadAsync(url, request));

        // The app never ran for it (nothing it could fail on), and the next request is served.
        Assert.DoesNotContain("Traceback", python.Log.Since(from), StringComparison.Ordinal);
        await AssertStillServesAsync(url);
    }

    [Theory]
    [InlineData("a\u0000b")]
    [InlineData("a\rb")]
    public async Task HeaderValueWithNulOrCr_RejectedOrReplacedWithSpace(string value)
    {
        // RFC 9110 5.5: a recipient MUST reject such a field value or replace the character with SP.
        var url = await python.UrlAsync(App);
        var response = await RawRequests.SendAsync(url, RawRequests.Get(url, "/", "X-Bad: " + value));
        if (response.StatusCode != 400)
        {
            Assert.Equal(200, response.StatusCode);
            Assert.Equal("a b", AppControl.EchoEnviron(response.BodyText).Str("HTTP_X_BAD"));
        }

        await AssertStillServesAsync(url);
    }

    [Fact]
    public async Task MalformedChunkedBody_Gets400_ServerStillServes()
    {
        // The head is fine, so the app runs; the bad chunk size shows when it reads wsgi.input.
        var url = await python.UrlAsync(App);
        Assert.Equal(400, await SendBadAsync(url, "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"));
        await AssertStillServesAsync(url);
    }

    [Fact]
    public async Task UnsupportedHttpVersion_Gets505_ServerStillServes()
    {
        var url = await python.UrlAsync(App);
        Assert.Equal(505, await SendBadAsync(url, "GET / HTTP/9.9\r\nHost: x\r\n\r\n"));
        await AssertStillServesAsync(url);
    }
}
