using Dram.Tests.Support;

namespace Dram.Tests.Asgi;

/// <summary>
/// Input an ASGI server must survive (tests/apps/asgi_echo.py): bodies over --max-request-body,
/// clients that vanish mid-upload, odd percent-escapes and malformed requests. Whatever the answer,
/// the next request must be served.
/// </summary>
[Collection(UsesPython.Name)]
[Trait("Interpreters", "all")]
public sealed class AsgiBadInputTests(PythonFixture python)
{
    private const string App = "asgi_echo:app";
    private const int MiB = 1024 * 1024;

    private async Task AssertEchoServesAsync(string url)
    {
        var echo = AppControl.Json(await python.Http.GetStringAsync(new Uri(url + "/after")));
        Assert.Equal("/after", echo.GetProperty("scope").Str("path"));
    }

    [Fact]
    public async Task Upload_ContentLengthOverLimit_413()
    {
        var url = await python.UrlAsync(App, maxRequestBody: MiB);
        await using (var connection = await RawConnection.OpenAsync(url))
        {
            await connection.SendAsync(RawRequests.Request("POST", url, "/too-big", $"Content-Length: {2 * MiB}"));
            await connection.SendAsync(new byte[64 * 1024]);

            Assert.Equal(413, (await connection.ReadResponseAsync()).StatusCode);
        }

        await AssertEchoServesAsync(url);
    }

    [Fact]
    public async Task Upload_ChunkedOverLimit_413()
    {
        // The size is known only while the app receives: the server must refuse it then.
        var url = await python.UrlAsync(App, maxRequestBody: MiB);
        await using (var connection = await RawConnection.OpenAsync(url))
        {
            await connection.SendAsync(RawRequests.Request("POST", url, "/too-big-chunked", "Transfer-Encoding: chunked"));
            var sending = connection.SendChunkedBodyInBackground(32);

            Assert.Equal(413, (await connection.ReadResponseAsync()).StatusCode);
            await sending;
        }

        await AssertEchoServesAsync(url);
    }

    [Fact]
    public async Task Upload_ClientGoneMidBody_ServerServesOn()
    {
        var url = await python.UrlAsync(App);
        for (var i = 0; i < 5; i++)
        {
            await using var connection = await RawConnection.OpenAsync(url);
            await connection.SendAsync(RawRequests.Request("POST", url, "/abandoned", $"Content-Length: {MiB}"));
            await connection.SendAsync(new byte[100_000]);
        }

        await AssertEchoServesAsync(url);
    }

    [Theory]
    [InlineData("/%FF")]
    [InlineData("/%ZZ")]
    [InlineData("/%")]
    [InlineData("/a%00b")]
    [InlineData("/%C3")]
    public async Task Path_OddPercentEscapes_AnsweredAndServerServesOn(string target)
    {
        var url = await python.UrlAsync(App);
        var response = await RawRequests.SendAsync(url, RawRequests.Get(url, target));

        Assert.True(response.StatusCode is 200 or 400, $"{target}: {response.StatusLine}");
        if (response.StatusCode == 200)
        {
            // raw_path is the target as sent whatever the decoding made of it.
            Assert.Equal(target, System.Text.Json.JsonDocument.Parse(response.Body).RootElement.GetProperty("scope").Str("raw_path"));
        }

        await AssertEchoServesAsync(url);
    }

    [Theory]
    [InlineData("GARBAGE\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: x\r\nBad Header Name: v\r\n\r\n")]
    public async Task MalformedRequest_400BeforeTheApp(string request)
    {
        var url = await python.UrlAsync(App);
        var response = await RawRequests.SendAsync(url, request);

        Assert.Equal(400, response.StatusCode);
        await AssertEchoServesAsync(url);
    }
}
