using System.Net;
using System.Text;
using Dram.Tests.Support;

namespace Dram.Tests.Asgi;

/// <summary>
/// --timeout for ASGI apps (tests/apps/asgi_errors.py): a request still running after the timeout
/// has its task cancelled, so the app sees asyncio.CancelledError at its await; 504 if nothing was
/// sent, an unfinished body if the response had started. The event loop goes on serving.
/// </summary>
[Collection(UsesPython.Name)]
[Trait("Interpreters", "all")]
public sealed class AsgiTimeoutTests(PythonFixture python) : IAsyncLifetime
{
    private const string App = "asgi_errors:app";
    private OwnServer? _own;

    private string Url => _own!.Url;

    public async Task InitializeAsync() =>
        _own = await OwnServer.StartAsync(python, App, o => o.Timeout = TimeSpan.FromSeconds(1));

    public async Task DisposeAsync()
    {
        if (_own is not null)
        {
            await _own.DisposeAsync();
        }
    }

    [Fact]
    public async Task Timeout_NothingSent_TaskCancelledAnd504()
    {
        var id = AppControl.NewId();
        using var response = await python.Http.GetAsync(new Uri($"{Url}/timeout?id={id}"));

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.DoesNotContain("never timed out", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var records = await python.Http.WaitForRecordsAsync(Url, id, r => r.Count >= 2);
        Assert.Equal(["started", "cancelled"], records);
        await python.Http.AssertStillServesAsync(Url);
    }

    [Fact]
    public async Task Timeout_AfterFirstBlock_BlockDeliveredThenBodyEndsUnfinished()
    {
        var id = AppControl.NewId();
        await using var connection = await RawConnection.OpenAsync(Url);
        await connection.SendAsync(RawRequests.Get(Url, $"/timeout-after-start?id={id}"));
        var text = Encoding.Latin1.GetString(await connection.ReadToEndAsync());

        Assert.StartsWith("HTTP/1.1 200 ", text, StringComparison.Ordinal);
        Assert.Contains("first-block;", text, StringComparison.Ordinal);
        Assert.DoesNotContain("never timed out", text, StringComparison.Ordinal);
        Assert.False(text.EndsWith("0\r\n\r\n", StringComparison.Ordinal), "the chunked body was terminated as if complete");
        Assert.Equal(["started", "cancelled"], await python.Http.WaitForRecordsAsync(Url, id, r => r.Count >= 2));
        await python.Http.AssertStillServesAsync(Url);
    }

    [Fact]
    public async Task Timeout_QuickRequestsAroundASlowOne_Unaffected()
    {
        // The cancellation hits the one task that ran too long, not the loop's other tasks.
        var id = AppControl.NewId();
        var slow = python.Http.GetAsync(new Uri($"{Url}/timeout?id={id}"));
        Assert.Contains("started", await python.Http.WaitForRecordAsync(Url, id, "started"));
        for (var i = 0; i < 5; i++)
        {
            await python.Http.AssertStillServesAsync(Url);
        }

        using var response = await slow;
        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        await python.Http.AssertStillServesAsync(Url);
    }
}
