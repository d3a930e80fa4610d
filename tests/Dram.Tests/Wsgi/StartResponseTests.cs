using System.Text;
using Dram.Tests.Support;

namespace Dram.Tests.Wsgi;

/// <summary>
/// PEP 3333 "The start_response() Callable": bad statuses and headers never reach the wire,
/// hop-by-hop headers are dropped, exc_info works both ways (tests/apps/wsgi_headers.py).
/// </summary>
[Collection(UsesPython.Name)]
public sealed class StartResponseTests(PythonFixture python)
{
    private const string App = "wsgi_headers:app";

    private Task<string> UrlAsync() => python.UrlAsync(App);

    /// <summary>Sends a GET, returns the response and every byte the server sent for it.</summary>
    private static async Task<(RawResponse Response, string Wire)> FetchAsync(string url, string target)
    {
        await using var connection = await RawConnection.OpenAsync(url);
        await connection.SendAsync(RawRequests.Get(url, target));
        var response = await connection.ReadResponseAsync();
        var wire = Encoding.Latin1.GetString([.. response.HeadBytes, .. response.RawBody]);
        return (response, wire);
    }

    /// <summary>Waits for a log line the server wrote after the app's "dram-test headers" announcement.</summary>
    private async Task<string?> LogAfterAnnouncementAsync(string announcement, int from)
    {
        var text = await python.Log.WaitAsync(t =>
        {
            var at = t.IndexOf(announcement, StringComparison.Ordinal);
            if (at < 0)
            {
                return false;
            }

            var lineEnd = t.IndexOf('\n', at);
            return lineEnd >= 0 && t[(lineEnd + 1)..].Trim().Length > 0;
        }, from);
        return text is null ? null : python.Log.After(announcement, from);
    }

    [Theory]
    [InlineData("crlf-value")]
    [InlineData("lf-value")]
    [InlineData("cr-value")]
    [InlineData("nul-value")]
    [InlineData("crlf-name")]
    [InlineData("colon-name")]
    [InlineData("space-name")]
    [InlineData("nonlatin-value")]
    [InlineData("nonlatin-name")]
    [InlineData("bytes-value")]
    public async Task BadHeader_FromApp_500AndNothingBadOnWire(string kind)
    {
        var url = await UrlAsync();
        var id = AppControl.NewId();
        var from = python.Log.Position;
        var (response, wire) = await FetchAsync(url, $"/bad-header?kind={kind}&id={id}");

        Assert.Equal(500, response.StatusCode);
        Assert.DoesNotContain("Injected", wire, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("BODY-OF-A-BAD-RESPONSE", wire, StringComparison.Ordinal);
        Assert.DoesNotContain("X-Bad", wire, StringComparison.OrdinalIgnoreCase);
        Assert.NotNull(await LogAfterAnnouncementAsync($"dram-test headers bad-header {id}", from));
    }

    [Theory]
    [InlineData("no-code")]
    [InlineData("short-code")]
    [InlineData("long-code")]
    [InlineData("letters")]
    [InlineData("crlf")]
    [InlineData("bytes")]
    [InlineData("below-100")]
    public async Task BadStatus_FromApp_500AndNothingBadOnWire(string kind)
    {
        var url = await UrlAsync();
        var id = AppControl.NewId();
        var from = python.Log.Position;
        var (response, wire) = await FetchAsync(url, $"/bad-status?kind={kind}&id={id}");

        Assert.Equal(500, response.StatusCode);
        Assert.DoesNotContain("Injected", wire, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("BODY-OF-A-BAD-RESPONSE", wire, StringComparison.Ordinal);
        Assert.NotNull(await LogAfterAnnouncementAsync($"dram-test headers bad-status {id}", from));
    }

    [Fact]
    public async Task HopByHopHeaders_FromApp_DroppedWithWarning()
    {
        var url = await UrlAsync();
        var id = AppControl.NewId();
        var from = python.Log.Position;
        var (response, _) = await FetchAsync(url, $"/hop?id={id}");

        Assert.Equal(200, response.StatusCode);
        Assert.Equal("hop-by-hop body", response.BodyText);
        Assert.Equal("yes", response.Header("X-Dram-Kept"));
        Assert.False(response.HasHeader("Keep-Alive"), "Keep-Alive from the app reached the wire");
        Assert.False(response.HasHeader("Upgrade"), "Upgrade from the app reached the wire");
        Assert.False(response.HasHeader("Proxy-Authenticate"), "Proxy-Authenticate from the app reached the wire");
        Assert.False(response.HasHeader("Trailer"), "Trailer from the app reached the wire");

        var announcement = $"dram-test headers hop {id}";
        var warned = await python.Log.WaitAsync(t =>
        {
            var after = t.IndexOf(announcement, StringComparison.Ordinal);
            return after >= 0 && (t[after..].Contains("upgrade", StringComparison.OrdinalIgnoreCase)
                || t[after..].Contains("keep-alive", StringComparison.OrdinalIgnoreCase)
                || t[after..].Contains("hop", StringComparison.OrdinalIgnoreCase));
        }, from);
        Assert.True(warned is not null, $"no warning naming the dropped headers in the log: {python.Log.Since(from)}");
    }

    [Fact]
    public async Task TransferEncodingFromApp_Ignored_ServerFramesBody()
    {
        var url = await UrlAsync();
        var (response, _) = await FetchAsync(url, $"/transfer-encoding?id={AppControl.NewId()}");
        Assert.Equal(200, response.StatusCode);
        Assert.True(response.Complete);
        Assert.Equal("plain-bytes", response.BodyText);
        Assert.True(response.Headers.Count(h => h.Key.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase)) <= 1);
    }

    [Fact]
    public async Task ExcInfo_BeforeHeadersSent_ReplacesStatusAndHeaders()
    {
        var url = await UrlAsync();
        var (response, _) = await FetchAsync(url, "/exc-info-before");

        Assert.Equal(500, response.StatusCode);
        Assert.Equal("Replaced By App", response.Reason);
        Assert.Equal("yes", response.Header("X-Replaced"));
        Assert.False(response.HasHeader("X-First"), "a header from the replaced start_response call was sent");
        Assert.Equal("replacement body", response.BodyText);
    }

    [Fact]
    public async Task ExcInfo_AfterHeadersSent_ReRaisedAndResponseAborted()
    {
        var url = await UrlAsync();
        var id = AppControl.NewId();
        await using var connection = await RawConnection.OpenAsync(url);
        await connection.SendAsync(RawRequests.Get(url, $"/exc-info-after?id={id}"));

        // Let the app go on only once its first block is on the wire (so the headers surely are).
        Assert.True(await connection.WaitUntilBufferedAsync("first-block;", TimeSpan.FromSeconds(10)),
            "the first block never arrived");
        await python.Http.ReleaseAsync(url, id);
        var response = await connection.ReadResponseAsync();

        Assert.Equal(200, response.StatusCode);
        Assert.False(response.Complete, "the response ended cleanly although the app failed after sending headers");
        Assert.DoesNotContain("MUST-NOT-BE-SENT", Encoding.Latin1.GetString(response.RawBody), StringComparison.Ordinal);
        Assert.DoesNotContain("Too Late", Encoding.Latin1.GetString(response.RawBody), StringComparison.Ordinal);
        Assert.Equal(["reraised"], await python.Http.WaitForRecordAsync(url, id, "reraised"));
    }

    [Fact]
    public async Task StartResponse_CalledTwiceWithoutExcInfo_Gives500()
    {
        var url = await UrlAsync();
        var (response, wire) = await FetchAsync(url, $"/twice?id={AppControl.NewId()}");
        Assert.Equal(500, response.StatusCode);
        Assert.DoesNotContain("BODY-OF-A-BAD-RESPONSE", wire, StringComparison.Ordinal);
    }
}
