using System.Net;
using Dram.Tests.Support;

namespace Dram.Tests.Wsgi;

/// <summary>
/// --max-pending: admission counts requests waiting for a Python thread, not connections. Past the
/// bound a request is answered 503 with Retry-After at once; those within it wait and are served.
/// </summary>
[Collection(UsesPython.Name)]
public sealed class AdmissionTests(PythonFixture python) : IAsyncLifetime
{
    private OwnServer? _own;

    private string Url => _own!.Url;

    public async Task InitializeAsync() =>
        _own = await OwnServer.StartAsync(python, "wsgi_sleep:app", o => (o.Threads, o.MaxPending) = (1, 2));

    public async Task DisposeAsync()
    {
        if (_own is not null)
        {
            await _own.DisposeAsync();
        }
    }

    [Fact]
    public async Task MaxPending_QueueFull_ExtraRequests503AtOnceOthersServed()
    {
        // The only Python thread is held for 3 s; then five requests arrive together. Whatever
        // their order, two fit in the queue and three must be refused.
        var id = AppControl.NewId();
        var from = python.Log.Position;
        var holder = python.Http.GetAsync(new Uri($"{Url}/hold?id={id}&s=3"));
        Assert.True(await python.Log.WaitForAsync("dram-test holding " + id, from), "the holding request never started");

        var requests = Enumerable.Range(0, 5).Select(_ => python.Http.GetAsync(new Uri($"{Url}/quick"))).ToList();
        var refused = new List<HttpResponseMessage>();
        while (refused.Count < 3)
        {
            var done = await Task.WhenAny(requests).WaitAsync(TimeSpan.FromSeconds(2));
            requests.Remove(done);
            var response = await done;
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Equal("1", response.Headers.RetryAfter?.Delta?.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
            refused.Add(response);
        }

        Assert.False(holder.IsCompleted, "the refusals must come while the queue is full, not after");
        foreach (var waiting in requests)
        {
            using var response = await waiting;
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        using (var held = await holder)
        {
            Assert.Equal(HttpStatusCode.OK, held.StatusCode);
        }

        Assert.Contains("(--max-pending)", python.Log.Since(from), StringComparison.Ordinal);
        refused.ForEach(r => r.Dispose());
    }
}
