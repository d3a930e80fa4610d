using System.Net;
using System.Text;
using Dram.Tests.Support;

namespace Dram.Tests.Wsgi;

/// <summary>
/// --timeout (tests/apps/wsgi_sleep.py): a request still running Python after the timeout gets
/// RequestTimeout raised in its thread and a 504; one that already started its response ends
/// unfinished; the exception never reaches the thread's next request; a thread stuck in C code
/// makes the server report itself unhealthy so the worker can be replaced.
/// </summary>
[Collection(UsesPython.Name)]
public sealed class TimeoutTests(PythonFixture python) : IAsyncLifetime
{
    private const string App = "wsgi_sleep:app";
    private OwnServer? _own;

    private string Url => _own!.Url;

    // One Python thread: the request after a timed-out one runs on the very same thread.
    public async Task InitializeAsync() =>
        _own = await OwnServer.StartAsync(python, App, o => (o.Threads, o.Timeout) = (1, TimeSpan.FromSeconds(1)));

    public async Task DisposeAsync()
    {
        if (_own is not null)
        {
            await _own.DisposeAsync();
        }
    }

    [Fact]
    public async Task Timeout_RunningPython_504AndLoggedAndNextRequestFine()
    {
        var from = python.Log.Position;
        using var response = await python.Http.GetAsync(new Uri($"{Url}/spin"));

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.DoesNotContain("never timed out", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.True(await python.Log.WaitForAsync("RequestTimeout raised in its thread", from), python.Log.Since(from));
        Assert.Contains("RequestTimeout", python.Log.Since(from), StringComparison.Ordinal);

        // Same (only) Python thread, no exception left over for it.
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal("quick", await python.Http.GetStringAsync(new Uri($"{Url}/quick")));
        }
    }

    [Fact]
    public async Task Timeout_AfterFirstBlock_BlockDeliveredThenBodyEndsUnfinished()
    {
        await using var connection = await RawConnection.OpenAsync(Url);
        await connection.SendAsync(RawRequests.Get(Url, "/spin-stream"));
        var text = Encoding.Latin1.GetString(await connection.ReadToEndAsync());

        Assert.StartsWith("HTTP/1.1 200 ", text, StringComparison.Ordinal);
        Assert.Contains("first-block;", text, StringComparison.Ordinal);
        Assert.DoesNotContain("never timed out", text, StringComparison.Ordinal);
        Assert.False(text.EndsWith("0\r\n\r\n", StringComparison.Ordinal), "the chunked body was terminated as if complete");
    }

    [Fact]
    public async Task Timeout_ThreadStuckInC_ServerReportsUnhealthy()
    {
        // Blocked on a lock in C, the thread never runs bytecode, so RequestTimeout cannot fire.
        var id = AppControl.NewId();
        var from = python.Log.Position;
        var stuck = python.Http.GetAsync(new Uri($"{Url}/block?id={id}"));
        try
        {
            var unhealthy = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using var registration = _own!.Server.Unhealthy.Register(() => unhealthy.TrySetResult());
            await unhealthy.Task.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Contains("must be replaced", python.Log.Since(from), StringComparison.Ordinal);
        }
        finally
        {
            await python.Http.GetAsync(new Uri($"{Url}/_release?id={id}"));
            using var released = await stuck;
        }
    }
}
