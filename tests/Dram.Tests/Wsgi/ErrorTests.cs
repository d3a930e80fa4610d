using System.Net;
using Dram.Tests.Support;

namespace Dram.Tests.Wsgi;

/// <summary>PEP 3333 "Error Handling": app exceptions before and after the response starts (tests/apps/wsgi_errors.py).</summary>
[Collection(UsesPython.Name)]
public sealed class ErrorTests(PythonFixture python)
{
    private const string App = "wsgi_errors:app";

    private async Task AssertStillServesAsync(string url)
    {
        Assert.Equal("ok", await python.Http.GetStringAsync(new Uri(url + "/ok")));
    }

    [Theory]
    [InlineData("/raise-before")]
    [InlineData("/raise-after-start-response")]
    [InlineData("/raise-in-first-next")]
    public async Task AppRaises_BeforeBodySent_Short500WithoutTraceback(string route)
    {
        var url = await python.UrlAsync(App);
        var marker = "m" + AppControl.NewId();
        var from = python.Log.Position;
        using var response = await python.Http.GetAsync(new Uri($"{url}{route}?marker={marker}"));
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.True(body.Length < 1024, $"a {body.Length}-character error page");
        Assert.DoesNotContain("Traceback", body, StringComparison.Ordinal);
        Assert.DoesNotContain(marker, body, StringComparison.Ordinal);
        Assert.DoesNotContain("ValueError", body, StringComparison.Ordinal);
        Assert.DoesNotContain("RuntimeError", body, StringComparison.Ordinal);

        var log = await python.Log.WaitAsync(t => t.Contains(marker, StringComparison.Ordinal) && t.Contains("Traceback", StringComparison.Ordinal), from);
        Assert.True(log is not null, $"no traceback with {marker} in the log: {python.Log.Since(from)}");
        await AssertStillServesAsync(url);
    }

    [Fact]
    public async Task AppRaises_AfterClientSawFirstBlock_ConnectionAbortedAndLogged()
    {
        var url = await python.UrlAsync(App);
        var marker = "m" + AppControl.NewId();
        var id = AppControl.NewId();
        var from = python.Log.Position;
        await using var connection = await RawConnection.OpenAsync(url);
        await connection.SendAsync(RawRequests.Get(url, $"/raise-after-release?marker={marker}&id={id}"));
        Assert.True(await connection.WaitUntilBufferedAsync("partial-body;", TimeSpan.FromSeconds(10)), "the first block never arrived");

        await python.Http.ReleaseAsync(url, id);
        var response = await connection.ReadResponseAsync();

        Assert.Equal(200, response.StatusCode);
        Assert.False(response.Complete, "a response whose app failed mid-stream ended as if complete");
        Assert.Equal("partial-body;", response.BodyText);
        Assert.True(connection.SawEof);
        Assert.True(await python.Log.WaitForAsync(marker, from), $"no {marker} in the log: {python.Log.Since(from)}");
        await AssertStillServesAsync(url);
    }

    [Fact]
    public async Task AppRaises_RightAfterFirstBlock_HeadersAndBlockStillDelivered()
    {
        // PEP 3333: a server must not delay a block; it transmits it fully or guarantees it will.
        // An error in the next iteration must not take the block (and the headers) back: the
        // client should get the status, the block, and then a truncated body. Repeated because
        // losing them is a race (the connection aborted while the output is still queued).
        var url = await python.UrlAsync(App);
        for (var attempt = 0; attempt < 20; attempt++)
        {
            await using var connection = await RawConnection.OpenAsync(url);
            await connection.SendAsync(RawRequests.Get(url, $"/raise-mid-stream?marker=m{AppControl.NewId()}"));
            var received = await connection.ReadToEndAsync();
            var text = System.Text.Encoding.Latin1.GetString(received);

            Assert.True(text.StartsWith("HTTP/1.1 200 ", StringComparison.Ordinal) && text.Contains("partial-body;", StringComparison.Ordinal),
                $"attempt {attempt}: got {received.Length} bytes{(connection.SawReset ? " and a reset" : string.Empty)}: {RawConnection.Preview(received)}");
            Assert.False(text.EndsWith("0\r\n\r\n", StringComparison.Ordinal), $"attempt {attempt}: the chunked body was terminated as if complete");
        }

        await AssertStillServesAsync(url);
    }
}
