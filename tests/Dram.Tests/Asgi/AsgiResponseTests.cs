using System.Text;
using Dram.Tests.Support;

namespace Dram.Tests.Asgi;

/// <summary>
/// ASGI HTTP "Response Start" and "Response Body" send events and the "Path Send" extension, checked
/// on the wire (tests/apps/asgi_response.py): framing (Content-Length or chunked), streaming as the
/// app sends, status codes, headers, HEAD.
/// </summary>
[Collection(UsesPython.Name)]
[Trait("Interpreters", "all")]
public sealed class AsgiResponseTests(PythonFixture python)
{
    private const string App = "asgi_response:app";

    private async Task<RawResponse> GetAsync(string target)
    {
        var url = await python.UrlAsync(App);
        return await RawRequests.SendAsync(url, RawRequests.Get(url, target));
    }

    [Fact]
    public async Task SingleBody_NoContentLengthFromApp_ServerSetsContentLength()
    {
        // One http.response.body with more_body false: the whole body is known, so it is framed by
        // Content-Length rather than chunked.
        var response = await GetAsync("/single?n=5000");

        Assert.Equal(200, response.StatusCode);
        Assert.Equal("5000", response.Header("Content-Length"));
        Assert.False(response.IsChunked, response.StatusLine);
        Assert.Equal(new string('x', 5000), response.BodyText);
    }

    [Fact]
    public async Task StreamedBody_NoContentLength_Chunked()
    {
        var response = await GetAsync("/stream?chunks=4");

        Assert.Equal(200, response.StatusCode);
        Assert.True(response.IsChunked, $"not chunked: {Encoding.Latin1.GetString(response.HeadBytes)}");
        Assert.Null(response.Header("Content-Length"));
        Assert.True(response.Complete, "the chunked body has no last chunk");
        Assert.Equal("chunk-0;chunk-1;chunk-2;chunk-3;", response.BodyText);
    }

    [Fact]
    public async Task StreamedBody_EachChunkSentBeforeTheNextExists()
    {
        // more_body=True: the chunk must reach the client while the app is still running. The app
        // sends "first;" and then waits for this test to release it; the test releases it only once
        // it has read "first;" off the socket.
        var url = await python.UrlAsync(App);
        var id = AppControl.NewId();
        await using var connection = await RawConnection.OpenAsync(url);
        await connection.SendAsync(RawRequests.Get(url, $"/hold-stream?id={id}"));

        Assert.True(await connection.WaitUntilBufferedAsync("first;", TimeSpan.FromSeconds(10)),
            "the first chunk did not reach the client before the app sent the second");
        await python.Http.ReleaseAsync(url, id);
        var response = await connection.ReadResponseAsync();

        Assert.Equal(200, response.StatusCode);
        Assert.True(response.Complete);
        Assert.Equal("first;second;", response.BodyText);
    }

    [Fact]
    public async Task AppContentLength_BodyInTwoMessages_HonouredNotChunked()
    {
        // The app's last message completes the response at once (not seconds later).
        var url = await python.UrlAsync(App);
        await using var connection = await RawConnection.OpenAsync(url);
        await connection.SendAsync(RawRequests.Get(url, "/length"));
        var response = await connection.ReadResponseAsync(timeout: TimeSpan.FromSeconds(5));

        Assert.Equal("11", response.Header("Content-Length"));
        Assert.False(response.IsChunked, "chunked despite the app's Content-Length");
        Assert.True(response.Complete);
        Assert.Equal("hello world", response.BodyText);
    }

    [Theory]
    [InlineData(201, "Created")]
    [InlineData(404, "Not Found")]
    [InlineData(418, null)]
    [InlineData(500, "Internal Server Error")]
    [InlineData(299, null)]
    public async Task Status_FromApp_OnStatusLine(int code, string? reason)
    {
        // "status": an int; the server supplies the reason phrase.
        var response = await GetAsync($"/status?code={code}");

        Assert.Equal(code, response.StatusCode);
        if (reason is not null)
        {
            Assert.Equal(reason, response.Reason);
        }

        Assert.Equal($"status {code}", response.BodyText);
    }

    [Theory]
    [InlineData(204)]
    [InlineData(304)]
    public async Task Status_NoBodyAllowed_NoBodyAndConnectionReusable(int code)
    {
        var url = await python.UrlAsync(App);
        await using var connection = await RawConnection.OpenAsync(url);
        await connection.SendAsync(RawRequests.Get(url, $"/status?code={code}"));
        var response = await connection.ReadResponseAsync();
        Assert.Equal(code, response.StatusCode);
        Assert.False(response.IsChunked);

        // Nothing stray after the head: the next answer on this connection parses from its first byte.
        await connection.SendAsync(RawRequests.Get(url, "/single?n=3"));
        Assert.Equal("xxx", (await connection.ReadResponseAsync()).BodyText);
    }

    [Fact]
    public async Task Headers_RepeatedAndLatin1_SentAsGiven()
    {
        // "headers": an iterable of [name, value] byte pairs; repeated names (Set-Cookie) are kept
        // as separate lines, and value bytes go out unchanged (0xE9 stays one byte).
        var response = await GetAsync("/headers");

        Assert.Equal(200, response.StatusCode);
        var cookies = response.Headers.Where(h => h.Key.Equals("Set-Cookie", StringComparison.OrdinalIgnoreCase)).Select(h => h.Value).ToList();
        Assert.Equal(["a=1; Path=/", "b=2; Path=/"], cookies);
        Assert.Equal("caf\u00e9", response.Header("X-Mixed-Case"));
        Assert.Contains("caf\u00e9\r\n", Encoding.Latin1.GetString(response.HeadBytes), StringComparison.Ordinal);
        Assert.Equal("text/plain", response.Header("Content-Type"));
        Assert.Equal("headers", response.BodyText);
    }

    [Fact]
    public async Task Head_AppSendsBody_NoBodyOnTheWire()
    {
        var url = await python.UrlAsync(App);
        await using var connection = await RawConnection.OpenAsync(url);
        await connection.SendAsync(RawRequests.Request("HEAD", url, "/head"));
        var head = await connection.ReadResponseAsync(forHead: true);
        Assert.Equal(200, head.StatusCode);

        // Were any body bytes sent, they would be read as the start of the next response.
        await connection.SendAsync(RawRequests.Get(url, "/single?n=4"));
        var next = await connection.ReadResponseAsync();

        Assert.Equal(200, next.StatusCode);
        Assert.Equal("xxxx", next.BodyText);
    }

    [Fact]
    public async Task Pathsend_File_SentWithContentLength()
    {
        // Extension "Path Send": {"type": "http.response.pathsend", "path": absolute path}. The app
        // set no Content-Length, so the server sets the file's size.
        var url = await python.UrlAsync(App);
        var path = Path.Combine(Path.GetTempPath(), $"dram-asgi-pathsend-{AppControl.NewId()}.bin");
        var data = AsgiControl.RandomBytes(300_001, seed: 3);
        await File.WriteAllBytesAsync(path, data);
        try
        {
            var response = await RawRequests.SendAsync(url, RawRequests.Get(url, "/pathsend?path=" + Uri.EscapeDataString(path)));

            Assert.True(response.StatusCode == 200, $"{response.StatusLine}: {response.BodyText}");
            Assert.Equal("300001", response.Header("Content-Length"));
            Assert.Equal("application/octet-stream", response.Header("Content-Type"));
            Assert.True(response.Complete);
            Assert.Equal(AsgiControl.Sha256(data), AsgiControl.Sha256(response.Body));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task AppContentLength_KeepAlive_NextRequestsAnswered()
    {
        // The smallest case of the test below: a streamed body framed by the app's Content-Length,
        // then more requests on the same connection.
        var url = await python.UrlAsync(App);
        await using var connection = await RawConnection.OpenAsync(url);
        for (var step = 1; step <= 3; step++)
        {
            await connection.SendAsync(RawRequests.Get(url, "/length"));
            RawResponse response;
            try
            {
                response = await connection.ReadResponseAsync(timeout: TimeSpan.FromSeconds(5));
            }
            catch (Exception e) when (e is EndOfStreamException or TimeoutException)
            {
                Assert.Fail($"request {step} (/length) on the connection: {e.Message}");
                throw;
            }

            Assert.Equal("hello world", response.BodyText);
        }
    }

    [Fact]
    public async Task Pipelined_TwoRequestsInOneWrite_AnsweredInOrder()
    {
        var url = await python.UrlAsync(App);
        await using var connection = await RawConnection.OpenAsync(url);
        await connection.SendAsync(RawRequests.Get(url, "/single?n=3") + RawRequests.Get(url, "/stream?chunks=1"));

        Assert.Equal("xxx", (await connection.ReadResponseAsync()).BodyText);
        Assert.Equal("chunk-0;", (await connection.ReadResponseAsync()).BodyText);
    }

    [Fact]
    public async Task KeepAlive_SeveralResponsesOnOneConnection_EachFramedRight()
    {
        // Content-Length, chunked and app-framed answers back to back on one connection: each one's
        // framing must end exactly where the next begins.
        var url = await python.UrlAsync(App);
        await using var connection = await RawConnection.OpenAsync(url);
        var step = 0;
        foreach (var (target, body) in new[] { ("/single?n=2", "xx"), ("/stream?chunks=2", "chunk-0;chunk-1;"), ("/length", "hello world"), ("/single?n=1", "x") })
        {
            step++;
            await connection.SendAsync(RawRequests.Get(url, target));
            RawResponse response;
            try
            {
                response = await connection.ReadResponseAsync(timeout: TimeSpan.FromSeconds(5));
            }
            catch (Exception e) when (e is EndOfStreamException or TimeoutException)
            {
                Assert.Fail($"request {step} ({target}) on the connection: {e.Message}");
                throw;
            }

            Assert.True(response.Complete && response.BodyText == body, $"request {step} ({target}): {response.StatusLine}, complete={response.Complete}, body {response.BodyText}");
        }
    }
}
