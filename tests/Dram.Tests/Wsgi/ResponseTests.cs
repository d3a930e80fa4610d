using System.Text;
using Dram.Tests.Support;

namespace Dram.Tests.Wsgi;

/// <summary>PEP 3333 response bodies and framing (tests/apps/wsgi_response.py), checked on the wire.</summary>
[Collection(UsesPython.Name)]
public sealed class ResponseTests(PythonFixture python)
{
    private const string App = "wsgi_response:app";

    private Task<string> UrlAsync() => python.UrlAsync(App);

    private static string Expected(int count, int size) =>
        string.Concat(Enumerable.Range(0, count).Select(i => new string((char)('a' + i % 26), size)));

    [Fact]
    public async Task Generator_NoContentLength_SentChunked()
    {
        var url = await UrlAsync();
        var response = await RawRequests.SendAsync(url, RawRequests.Get(url, "/gen?n=7&size=3000"));

        Assert.Equal(200, response.StatusCode);
        Assert.True(response.IsChunked, "no Transfer-Encoding: chunked on a response without Content-Length");
        Assert.False(response.HasHeader("Content-Length"));
        Assert.True(response.Complete);
        Assert.Equal(Expected(7, 3000), response.BodyText);
    }

    [Fact]
    public async Task Generator_EmptyChunks_DoNotEndBody()
    {
        var url = await UrlAsync();
        var response = await RawRequests.SendAsync(url, RawRequests.Get(url, "/gen-empty"));
        Assert.True(response.Complete);
        Assert.Equal("first-second", response.BodyText);
    }

    [Fact]
    public async Task Generator_EachBlockSentBeforeNextRequested()
    {
        var url = await UrlAsync();
        var id = AppControl.NewId();
        await using var connection = await RawConnection.OpenAsync(url);
        await connection.SendAsync(RawRequests.Get(url, $"/handshake?id={id}&n=3"));

        // The app waits for us before producing block i+1, so a server that buffers blocks shows
        // nothing here until the app's wait times out.
        var seen = new StringBuilder();
        for (var block = 0; block < 3; block++)
        {
            var want = $"block-{block};";
            while (!seen.ToString().Contains(want, StringComparison.Ordinal))
            {
                var more = await connection.ReadAtMostAsync(1, TimeSpan.FromSeconds(5));
                Assert.True(more.Length > 0, $"connection ended before {want}: {seen}");
                seen.Append(Encoding.Latin1.GetString(more));
            }

            if (block < 2)
            {
                await python.Http.ReleaseAsync(url, $"{id}-{block}");
            }
        }

        Assert.DoesNotContain("TIMED-OUT", seen.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WriteCallable_ThenIterable_BodyInOrder()
    {
        var url = await UrlAsync();
        Assert.Equal("written-more-returned", await python.Http.GetStringAsync(new Uri(url + "/write")));
    }

    [Fact]
    public async Task WriteCallable_OnlyWrite_WithContentLength()
    {
        var url = await UrlAsync();
        var response = await RawRequests.SendAsync(url, RawRequests.Get(url, "/write-only"));
        Assert.Equal("12", response.Header("Content-Length"));
        Assert.Equal("only-written", response.BodyText);
    }

    [Fact]
    public async Task ContentLengthGiven_Kept_NotChunked()
    {
        var url = await UrlAsync();
        var response = await RawRequests.SendAsync(url, RawRequests.Get(url, "/cl-exact"));
        Assert.Equal("10", response.Header("Content-Length"));
        Assert.False(response.IsChunked);
        Assert.Equal("0123456789", response.BodyText);
    }

    [Fact]
    public async Task ContentLength_BodyShorter_LoggedAndConnectionClosed()
    {
        var url = await UrlAsync();
        var from = python.Log.Position;
        await using var connection = await RawConnection.OpenAsync(url);
        await connection.SendAsync(RawRequests.Get(url, "/cl-short"));
        var response = await connection.ReadResponseAsync();

        Assert.Equal("10", response.Header("Content-Length"));
        Assert.Equal("short", response.BodyText);
        Assert.False(response.Complete, "the response claimed 10 bytes, sent 5, and the connection stayed open");
        Assert.True(connection.SawEof);
        Assert.NotNull(await python.Log.WaitAsync(t => t.Contains("length", StringComparison.OrdinalIgnoreCase), from));
    }

    [Fact]
    public async Task ContentLength_BodyLonger_ExtraNeverSentAndConnectionClosed()
    {
        var url = await UrlAsync();
        var from = python.Log.Position;
        await using var connection = await RawConnection.OpenAsync(url);
        await connection.SendAsync(RawRequests.Get(url, "/cl-long"));
        var response = await connection.ReadResponseAsync();
        Assert.Equal("5", response.Header("Content-Length"));
        Assert.Equal("12345", response.BodyText);

        var after = await connection.ReadToEndAsync();
        Assert.True(after.Length == 0, $"bytes after the declared length: {RawConnection.Preview(after)}");
        Assert.NotNull(await python.Log.WaitAsync(t => t.Contains("length", StringComparison.OrdinalIgnoreCase), from));
    }

    [Fact]
    public async Task Head_WithContentLength_NoBodyOnWire()
    {
        var url = await UrlAsync();
        await using var connection = await RawConnection.OpenAsync(url);
        await connection.SendAsync(RawRequests.Request("HEAD", url, "/head"));
        var head = await connection.ReadResponseAsync(forHead: true);
        Assert.Equal(200, head.StatusCode);
        Assert.Equal("10", head.Header("Content-Length"));

        // Anything sent as a HEAD body would now be read as the start of the next response.
        await connection.SendAsync(RawRequests.Get(url, "/head"));
        var get = await connection.ReadResponseAsync();
        Assert.Equal("HTTP/1.1 200 OK", get.StatusLine);
        Assert.Equal("hello-head", get.BodyText);
    }

    [Fact]
    public async Task Head_GeneratedBody_NoBodyOnWire()
    {
        var url = await UrlAsync();
        await using var connection = await RawConnection.OpenAsync(url);
        await connection.SendAsync(RawRequests.Request("HEAD", url, "/head-gen"));
        var head = await connection.ReadResponseAsync(forHead: true);
        Assert.Equal(200, head.StatusCode);

        await connection.SendAsync(RawRequests.Get(url, "/head-gen"));
        var get = await connection.ReadResponseAsync();
        Assert.Equal("HTTP/1.1 200 OK", get.StatusLine);
        Assert.Equal("generated-body", get.BodyText);
    }

    [Theory]
    [InlineData("/status?code=204", 204)]
    [InlineData("/status?code=304", 304)]
    [InlineData("/status?code=205", 205)]
    [InlineData("/status-body?code=204", 204)]
    [InlineData("/status-body?code=205", 205)]
    [InlineData("/status-body?code=304", 304)]
    public async Task NoBodyStatus_AnyAppBody_NothingAfterHeaders(string target, int code)
    {
        var url = await UrlAsync();
        await using var connection = await RawConnection.OpenAsync(url);
        await connection.SendAsync(RawRequests.Get(url, target));
        var response = await connection.ReadResponseAsync();
        Assert.Equal(code, response.StatusCode);
        Assert.False(response.IsChunked, $"{code} with Transfer-Encoding");

        // The next bytes on this connection must be the next response, or nothing (closed).
        await connection.SendAsync(RawRequests.Get(url, "/head"));
        var next = await connection.ReadAtMostAsync(8);
        Assert.True(next.Length == 0 || Encoding.ASCII.GetString(next) == "HTTP/1.1",
            $"bytes after a {code}'s headers: {RawConnection.Preview(next)}");
        if (next.Length > 0)
        {
            var rest = await connection.ReadResponseAsync(forHead: false);
            Assert.Equal("hello-head", rest.BodyText);
        }
    }

    [Fact]
    public async Task Status_CustomReasonPhrase_SentAsGiven()
    {
        var url = await UrlAsync();
        var response = await RawRequests.SendAsync(url, RawRequests.Get(url, "/reason"));
        Assert.Equal("HTTP/1.1 299 Dram Custom Reason", response.StatusLine);
        Assert.Equal("custom", response.BodyText);
    }

    [Fact]
    public async Task Body_StrChunkBeforeHeadersSent_Gives500()
    {
        var url = await UrlAsync();
        var from = python.Log.Position;
        var response = await RawRequests.SendAsync(url, RawRequests.Get(url, "/str-chunk"));
        Assert.Equal(500, response.StatusCode);
        Assert.DoesNotContain("a str, not bytes", response.BodyText, StringComparison.Ordinal);
        Assert.NotNull(await python.Log.WaitAsync(t => t.Length > 0, from));
    }

    [Fact]
    public async Task Http10Client_NoContentLength_BodyEndsAtClose()
    {
        var url = await UrlAsync();
        await using var connection = await RawConnection.OpenAsync(url);
        await connection.SendAsync($"GET /gen?n=3&size=100 HTTP/1.0\r\nHost: {RawConnection.HostOf(url)}\r\n\r\n");
        var response = await connection.ReadResponseAsync();
        Assert.Equal(200, response.StatusCode);
        Assert.False(response.IsChunked, "chunked sent to an HTTP/1.0 client");
        Assert.Equal(Expected(3, 100), response.BodyText);
        Assert.True(connection.SawEof);
    }

    [Fact]
    public async Task Pipelined_TwoRequests_AnsweredInOrder()
    {
        var url = await UrlAsync();
        await using var connection = await RawConnection.OpenAsync(url);
        await connection.SendAsync(RawRequests.Get(url, "/slow?s=0.2") + RawRequests.Get(url, "/gen-empty"));
        Assert.Equal("slow-done", (await connection.ReadResponseAsync()).BodyText);
        Assert.Equal("first-second", (await connection.ReadResponseAsync()).BodyText);
    }
}
