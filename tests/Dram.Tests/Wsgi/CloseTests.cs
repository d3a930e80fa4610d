using System.Net;
using Dram.Tests.Support;

namespace Dram.Tests.Wsgi;

/// <summary>PEP 3333: the server calls the iterable's close() however the request ends (tests/apps/wsgi_close.py).</summary>
[Collection(UsesPython.Name)]
public sealed class CloseTests(PythonFixture python)
{
    private const string App = "wsgi_close:app";

    [Fact]
    public async Task Close_AfterSuccess_CalledOnce()
    {
        var url = await python.UrlAsync(App);
        var id = AppControl.NewId();
        Assert.Equal("one;two;three", await python.Http.GetStringAsync(new Uri($"{url}/ok?id={id}")));
        var records = await python.Http.WaitForRecordAsync(url, id, "close");
        Assert.Equal(["iter", "close"], records);
    }

    [Fact]
    public async Task Close_WithContentLength_CalledOnce()
    {
        var url = await python.UrlAsync(App);
        var id = AppControl.NewId();
        Assert.Equal("fixed-len", await python.Http.GetStringAsync(new Uri($"{url}/with-length?id={id}")));
        Assert.Equal(["iter", "close"], await python.Http.WaitForRecordAsync(url, id, "close"));
    }

    [Fact]
    public async Task Close_AfterErrorMidStream_Called()
    {
        var url = await python.UrlAsync(App);
        var id = AppControl.NewId();
        await using var connection = await RawConnection.OpenAsync(url);
        await connection.SendAsync(RawRequests.Get(url, $"/error-mid?id={id}"));
        var received = System.Text.Encoding.Latin1.GetString(await connection.ReadToEndAsync());
        Assert.False(received.EndsWith("0\r\n\r\n", StringComparison.Ordinal), "a failed body was terminated as if complete");

        Assert.Equal(["iter", "raise", "close"], await python.Http.WaitForRecordAsync(url, id, "close"));
    }

    [Fact]
    public async Task Close_AfterErrorInFirstIteration_Called()
    {
        var url = await python.UrlAsync(App);
        var id = AppControl.NewId();
        using var response = await python.Http.GetAsync(new Uri($"{url}/error-first?id={id}"));
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal(["iter", "raise", "close"], await python.Http.WaitForRecordAsync(url, id, "close"));
    }

    [Fact]
    public async Task Close_ClientDisconnectsMidStream_CalledPromptly()
    {
        var url = await python.UrlAsync(App);
        var id = AppControl.NewId();
        await using (var connection = await RawConnection.OpenAsync(url))
        {
            await connection.SendAsync(RawRequests.Get(url, $"/endless?id={id}"));
            var some = await connection.ReadAtMostAsync(50_000);
            Assert.Equal(50_000, some.Length);
            connection.Socket.LingerState = new System.Net.Sockets.LingerOption(true, 0); // reset, not a polite close
        }

        // The body would run for 30 s; the server must notice the client is gone well before.
        var records = await python.Http.WaitForRecordAsync(url, id, "close", TimeSpan.FromSeconds(10));
        Assert.Contains("close", records);
        Assert.DoesNotContain("limit", records);
    }
}
