using System.Net;
using System.Text;
using Dram.Tests.Support;

namespace Dram.Tests.Asgi;

/// <summary>
/// What the server does when the app fails (tests/apps/asgi_errors.py): an exception before
/// http.response.start is a 500 with the traceback in the error log; after it, the connection is
/// closed with the body unfinished; an app that returns without starting is a 500. Invalid send()
/// messages raise inside the app (ASGI "Error Handling": "the server must raise an exception" for
/// messages it cannot handle), and send() after the client has gone raises an OSError subclass
/// (spec 2.4, "Disconnected Client - send exception"). After each, the server still serves.
/// </summary>
[Collection(UsesPython.Name)]
[Trait("Interpreters", "all")]
public sealed class AsgiErrorTests(PythonFixture python)
{
    private const string App = "asgi_errors:app";

    [Fact]
    public async Task RaiseBeforeStart_500WithoutTraceback_TracebackLogged()
    {
        var url = await python.UrlAsync(App);
        var marker = "m" + AppControl.NewId();
        var from = python.Log.Position;
        using var response = await python.Http.GetAsync(new Uri($"{url}/raise-before?marker={marker}"));
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.True(body.Length < 1024, $"a {body.Length}-character error page");
        Assert.DoesNotContain("Traceback", body, StringComparison.Ordinal);
        Assert.DoesNotContain(marker, body, StringComparison.Ordinal);
        Assert.DoesNotContain("ValueError", body, StringComparison.Ordinal);

        var log = await python.Log.WaitAsync(t => t.Contains(marker, StringComparison.Ordinal) && t.Contains("Traceback", StringComparison.Ordinal), from);
        Assert.True(log is not null, $"no traceback with {marker} in the log: {python.Log.Since(from)}");
        Assert.Contains("ValueError: dram-test failure before start " + marker, log, StringComparison.Ordinal);
        await python.Http.AssertStillServesAsync(url);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RaiseAfterStart_ClientSawFirstBlock_BodyLeftUnfinished(bool contentLength)
    {
        // The status and the first block are on the wire when the app raises: the server cannot
        // send a 500 any more, and must not end the body as if it were complete (no last chunk;
        // fewer bytes than the Content-Length), so the client knows the response is broken.
        var url = await python.UrlAsync(App);
        var marker = "m" + AppControl.NewId();
        var id = AppControl.NewId();
        var from = python.Log.Position;
        await using var connection = await RawConnection.OpenAsync(url);
        await connection.SendAsync(RawRequests.Get(url, $"/raise-after-start?marker={marker}&id={id}{(contentLength ? "&length=100" : "")}"));
        Assert.True(await connection.WaitUntilBufferedAsync("partial-body;", TimeSpan.FromSeconds(10)), "the first block never arrived");

        await python.Http.ReleaseAsync(url, id);
        var response = await connection.ReadResponseAsync();

        Assert.Equal(200, response.StatusCode);
        Assert.Equal(contentLength ? "100" : null, response.Header("Content-Length"));
        Assert.Equal(!contentLength, response.IsChunked);
        Assert.False(response.Complete, "a response whose app failed mid-stream ended as if complete");
        Assert.Equal("partial-body;", response.BodyText);
        Assert.True(connection.SawEof, "the connection stayed open after a broken response");
        Assert.True(await python.Log.WaitForAsync(marker, from), $"no {marker} in the log: {python.Log.Since(from)}");
        await python.Http.AssertStillServesAsync(url);
    }

    [Fact]
    public async Task ReturnWithoutStart_500()
    {
        var url = await python.UrlAsync(App);
        var from = python.Log.Position;
        using var response = await python.Http.GetAsync(new Uri($"{url}/no-start"));

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.True(await python.Log.WaitForAsync("/no-start", from), $"the app's missing response was not logged: {python.Log.Since(from)}");
        await python.Http.AssertStillServesAsync(url);
    }

    [Theory]
    [InlineData("body-before-start")]
    [InlineData("double-start")]
    [InlineData("unknown-type")]
    [InlineData("missing-status")]
    [InlineData("str-body")]
    public async Task InvalidMessage_AppCatches_SendRaisedInsideTheApp(string kind)
    {
        // The exception is raised by send(), inside the app, which may handle it: here it catches
        // it, reports its type, and then completes a valid response.
        var url = await python.UrlAsync(App);
        var marker = "m" + AppControl.NewId();
        var from = python.Log.Position;
        using var response = await python.Http.GetAsync(new Uri($"{url}/bad/{kind}/{marker}?catch=1"));
        var body = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {body}");
        Assert.StartsWith("caught ", body, StringComparison.Ordinal);
        Assert.Contains("expected=True", body, StringComparison.Ordinal);
        // The app's mistake is logged even though the app caught the exception.
        Assert.True(await python.Log.WaitForAsync(marker, from), $"the invalid {kind} message was not logged: {python.Log.Since(from)}");
        await python.Http.AssertStillServesAsync(url);
    }

    [Theory]
    [InlineData("body-before-start", true)]
    [InlineData("unknown-type", true)]
    [InlineData("missing-status", true)]
    [InlineData("double-start", false)]
    [InlineData("str-body", false)]
    public async Task InvalidMessage_AppDoesNotCatch_ErrorAnswerAndTracebackLogged(string kind, bool nothingStarted)
    {
        var url = await python.UrlAsync(App);
        var marker = "m" + AppControl.NewId();
        var from = python.Log.Position;
        await using var connection = await RawConnection.OpenAsync(url);
        await connection.SendAsync(RawRequests.Get(url, $"/bad/{kind}/{marker}"));
        RawResponse? response;
        try
        {
            response = await connection.ReadResponseAsync();
        }
        catch (EndOfStreamException)
        {
            response = null;
        }

        if (nothingStarted)
        {
            // No valid http.response.start was accepted: the server answers 500 itself.
            Assert.True(response?.StatusCode == 500, $"got {response?.StatusLine ?? "no response"}");
        }
        else
        {
            // A start was accepted (and may be on the wire): a 500 if nothing was sent yet, else the
            // connection is cut; never a complete 200.
            Assert.False(response is { StatusCode: 200, Complete: true }, $"a complete 200 for an app that raised: {response?.BodyText}");
        }

        var log = await python.Log.WaitAsync(t => t.Contains("dram-test uncaught " + marker, StringComparison.Ordinal) && t.Contains("Traceback", StringComparison.Ordinal), from);
        Assert.True(log is not null, $"no traceback for {marker} in the log: {python.Log.Since(from)}");
        await python.Http.AssertStillServesAsync(url);
    }

    [Fact]
    public async Task SendAfterClientDisconnected_RaisesOSError()
    {
        // The app has started a streamed response; the client goes away; the app's receive()
        // returns http.disconnect, and its next send() raises a subclass of OSError.
        var url = await python.UrlAsync(App);
        var id = AppControl.NewId();
        await using (var connection = await RawConnection.OpenAsync(url))
        {
            await connection.SendAsync(RawRequests.Get(url, $"/send-after-disconnect?id={id}"));
            Assert.True(await connection.WaitUntilBufferedAsync("partial;", TimeSpan.FromSeconds(10)), "the first block never arrived");
            Assert.Equal(["started"], await python.Http.WaitForRecordAsync(url, id, "started"));
        }

        var records = await python.Http.WaitForRecordsAsync(url, id, r => r.Count >= 3);

        Assert.Equal(3, records.Count);
        Assert.Equal("http.disconnect", records[1]);
        Assert.StartsWith("OSError ", records[2], StringComparison.Ordinal);
        await python.Http.AssertStillServesAsync(url);
    }

    [Fact]
    public async Task ManyFailures_ServerKeepsServingEveryKind()
    {
        // A burst of every failure at once, on separate connections, then normal requests.
        var url = await python.UrlAsync(App);
        var targets = Enumerable.Range(0, 4).SelectMany(i => new[]
        {
            $"/raise-before?marker=burst{i}",
            "/no-start",
            $"/bad/double-start/burst{i}",
            $"/bad/str-body/burst{i}?catch=1",
            $"/bad/unknown-type/burst{i}",
        });
        var answers = await Task.WhenAll(targets.Select(async target =>
        {
            await using var connection = await RawConnection.OpenAsync(url);
            await connection.SendAsync(RawRequests.Get(url, target));
            // Throws if the server neither answers nor closes the connection in time.
            return (target, Start: Encoding.Latin1.GetString(await connection.ReadAtMostAsync(12, TimeSpan.FromSeconds(10))));
        }));

        // Each got a status line; only an app that raised after a start may see the connection cut first.
        Assert.All(answers, a => Assert.True(
            a.Start.StartsWith("HTTP/1.1 ", StringComparison.Ordinal) || (a.Start.Length == 0 && a.target.StartsWith("/bad/double-start/", StringComparison.Ordinal)),
            $"{a.target}: {a.Start}"));
        Assert.All(answers.Where(a => a.target.StartsWith("/raise-before", StringComparison.Ordinal) || a.target == "/no-start"),
            a => Assert.Equal("HTTP/1.1 500", a.Start));
        for (var i = 0; i < 5; i++)
        {
            await python.Http.AssertStillServesAsync(url);
        }
    }
}
