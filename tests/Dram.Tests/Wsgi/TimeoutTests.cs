using System.Net;
using System.Text;
using Dram.Server;
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
    private DramServer? _server;
    private string _url = "";

    public async Task InitializeAsync()
    {
        // One Python thread: the request after a timed-out one runs on the very same thread.
        var options = python.CreateOptions(App);
        options.Threads = 1;
        options.Timeout = TimeSpan.FromSeconds(1);
        _server = await DramServer.StartAsync(options);
        _url = _server.Urls[0].TrimEnd('/');
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.StopAsync();
        }
    }

    [Fact]
    public async Task Timeout_RunningPython_504AndLoggedAndNextRequestFine()
    {
        var from = python.Log.Position;
        using var response = await python.Http.GetAsync(new Uri($"{_url}/spin"));

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.DoesNotContain("never timed out", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.True(await python.Log.WaitForAsync("RequestTimeout raised in its thread", from), python.Log.Since(from));
        Assert.Contains("RequestTimeout", python.Log.Since(from), StringComparison.Ordinal);

        // Same (only) Python thread, no exception left over for it.
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal("quick", await python.Http.GetStringAsync(new Uri($"{_url}/quick")));
        }
    }

    [Fact]
    public async Task Timeout_AfterFirstBlock_BlockDeliveredThenBodyEndsUnfinished()
    {
        await using var connection = await RawConnection.OpenAsync(_url);
        await connection.SendAsync(RawRequests.Get(_url, "/spin-stream"));
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
        var stuck = python.Http.GetAsync(new Uri($"{_url}/block?id={id}"));
        try
        {
            var unhealthy = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using var registration = _server!.Unhealthy.Register(() => unhealthy.TrySetResult());
            await unhealthy.Task.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Contains("must be replaced", python.Log.Since(from), StringComparison.Ordinal);
        }
        finally
        {
            await python.Http.GetAsync(new Uri($"{_url}/_release?id={id}"));
            using var released = await stuck;
        }
    }
}
