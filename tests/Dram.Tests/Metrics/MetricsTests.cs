using System.Globalization;
using System.Net;
using Dram.Tests.Support;

namespace Dram.Tests.Metrics;

/// <summary>
/// <c>--metrics</c> against the real supervisor and two real worker processes: every count summed
/// over both workers exactly, histograms well formed, the in-flight gauge, queue wait and lag,
/// and counters that survive a worker killed with SIGKILL. Every scrape is parsed line by line
/// (<see cref="PrometheusScrape"/>).
/// </summary>
public sealed class MetricsTests
{
    private static readonly int[] s_statuses = [200, 200, 404, 503, 201];

    private static string Requests(int status) => $"dram_requests_total{{status=\"{status.ToString(CultureInfo.InvariantCulture)}\"}}";

    private static void AssertCounts(PrometheusScrape scrape, Dictionary<int, int> sent)
    {
        foreach (var (status, count) in sent)
        {
            Assert.Equal(count, scrape[Requests(status)]);
        }

        var total = sent.Values.Sum();
        Assert.Equal(total, scrape.Samples.Where(s => s.Key.StartsWith("dram_requests_total{", StringComparison.Ordinal)).Sum(s => s.Value));
        Assert.Equal(total, scrape["dram_request_duration_seconds_count"]);
    }

    [Fact]
    public async Task Wsgi_RequestsOfKnownStatuses_SummedOverBothWorkersExactly()
    {
        using var server = await MetricsServer.StartAsync(MetricsServer.WsgiSource);

        var sent = await server.SendUntilBothWorkersAnsweredAsync(s_statuses);
        var scrape = await server.ScrapeUntilAsync(s => s["dram_requests_in_flight"] == 0);

        AssertCounts(scrape, sent);
        var total = sent.Values.Sum();
        Assert.Equal("counter", scrape.Types["dram_requests_total"]);
        Assert.Equal("histogram", scrape.Types["dram_request_duration_seconds"]);
        Assert.Equal("gauge", scrape.Types["dram_requests_in_flight"]);
        Assert.InRange(scrape["dram_request_duration_seconds_sum"], 0, total * 10.0);

        // Every WSGI request waited for a Python thread once.
        Assert.Equal(total, scrape["dram_python_queue_wait_seconds_count"]);
        Assert.InRange(scrape["dram_python_queue_wait_seconds_sum"] / total, 0, 1);
        Assert.Equal(2, scrape["dram_workers"]);
        Assert.InRange(scrape["dram_workers_resident_memory_bytes"], 2 * 1024 * 1024, 8L << 30);
        Assert.Equal(0, scrape["dram_worker_restarts_total{reason=\"died\"}"]);
    }

    [Fact]
    public async Task Wsgi_LagProbe_ProbesRepeatedlyAndStaysSmallWhenIdle()
    {
        using var server = await MetricsServer.StartAsync(MetricsServer.WsgiSource);

        // Each worker probes every 100 ms; a few probes from the pair arrive within a second or so.
        var scrape = await server.ScrapeUntilAsync(s => s["dram_python_lag_seconds_count"] >= 6);

        Assert.Equal("histogram", scrape.Types["dram_python_lag_seconds"]);

        // An idle interpreter answers a probe at once; even on a loaded machine not in 10 s.
        Assert.Equal(scrape["dram_python_lag_seconds_count"], scrape["dram_python_lag_seconds_bucket{le=\"10\"}"]);
        Assert.InRange(scrape["dram_python_lag_seconds_sum"] / scrape["dram_python_lag_seconds_count"], 0, 1);
    }

    [Fact]
    public async Task Wsgi_RequestHeldOpen_CountsInFlightUntilItEnds()
    {
        using var server = await MetricsServer.StartAsync(MetricsServer.WsgiSource);
        var before = await server.ScrapeAsync();
        Assert.Equal(0, before["dram_requests_in_flight"]);

        var held = server.RequestAsync("/hold?" + server.Dir);
        await WaitForFileAsync(Path.Combine(server.Dir, "held"), held);
        var during = await server.ScrapeAsync();
        await File.WriteAllTextAsync(Path.Combine(server.Dir, "release"), "");
        var (status, _) = await held;
        var after = await server.ScrapeUntilAsync(s => s["dram_requests_in_flight"] == 0);

        Assert.Equal(1, during["dram_requests_in_flight"]);
        Assert.Equal(0, during[Requests(200)]);
        Assert.Equal(200, status);
        Assert.Equal(1, after[Requests(200)]);
    }

    [Fact]
    public async Task Wsgi_WorkerKilled_RestartCountedAndRequestCountsKept()
    {
        using var server = await MetricsServer.StartAsync(MetricsServer.WsgiSource);
        var sent = await server.SendUntilBothWorkersAnsweredAsync(s_statuses);
        var before = await server.ScrapeUntilAsync(s => s["dram_requests_in_flight"] == 0);
        AssertCounts(before, sent);

        var victim = server.WorkerPids()[0];
        var kill = await ChildProcess.RunAsync("kill", ["-KILL", victim.ToString(CultureInfo.InvariantCulture)], server.Dir);
        Assert.Equal(0, kill.ExitCode);
        await server.Process.WaitForStderrLineAsync(l => l.Contains($"Worker {victim} died", StringComparison.Ordinal), TimeSpan.FromSeconds(60));
        var afterKill = await server.ScrapeUntilAsync(s => s["dram_workers"] == 2);

        // The dead worker's counts were folded into the totals: nothing went down.
        AssertCounts(afterKill, sent);
        Assert.Equal(1, afterKill["dram_worker_restarts_total{reason=\"died\"}"]);
        Assert.True(afterKill["dram_python_queue_wait_seconds_count"] >= before["dram_python_queue_wait_seconds_count"]);
        Assert.True(afterKill["dram_python_lag_seconds_count"] >= before["dram_python_lag_seconds_count"]);

        // And the replacement counts on top of them.
        var more = await server.SendUntilBothWorkersAnsweredAsync(s_statuses);
        var final = await server.ScrapeUntilAsync(s => s["dram_requests_in_flight"] == 0);
        AssertCounts(final, sent.Keys.Union(more.Keys).ToDictionary(k => k, k => sent.GetValueOrDefault(k) + more.GetValueOrDefault(k)));
    }

    [Fact]
    public async Task Wsgi_RecycledAndReloaded_RestartsByReasonAndCountsKept()
    {
        using var server = await MetricsServer.StartAsync(MetricsServer.WsgiSource, "--max-requests", "10");

        // 30 requests over two workers: one of them reaches 10 and asks to be replaced.
        for (var i = 0; i < 30; i++)
        {
            Assert.Equal(200, (await server.RequestAsync("/200")).Status);
        }

        var recycled = await server.ScrapeUntilAsync(s => s["dram_worker_restarts_total{reason=\"max-requests\"}"] >= 1);
        Assert.Equal(30, recycled[Requests(200)]);
        Assert.Equal(0, recycled["dram_worker_restarts_total{reason=\"died\"}"]);

        // SIGHUP replaces both serving workers, one at a time.
        var kill = await ChildProcess.RunAsync("kill", ["-HUP", server.Process.Pid.ToString(CultureInfo.InvariantCulture)], server.Dir);
        Assert.Equal(0, kill.ExitCode);
        await server.Process.WaitForStderrLineAsync(l => l.Contains("Reload complete: 2 workers replaced", StringComparison.Ordinal), TimeSpan.FromSeconds(60));
        var reloaded = await server.ScrapeUntilAsync(s => s["dram_worker_restarts_total{reason=\"reload\"}"] == 2);

        Assert.Equal(30, reloaded[Requests(200)]);
        Assert.Equal(30, reloaded["dram_request_duration_seconds_count"]);
        Assert.Equal(0, reloaded["dram_worker_restarts_total{reason=\"died\"}"]);
    }

    [Fact]
    public async Task Asgi_RequestsOfKnownStatuses_SummedWithQueueWaitPerRequest()
    {
        using var server = await MetricsServer.StartAsync(MetricsServer.AsgiSource);

        var sent = await server.SendUntilBothWorkersAnsweredAsync(s_statuses);
        var scrape = await server.ScrapeUntilAsync(s => s["dram_requests_in_flight"] == 0 && s["dram_python_lag_seconds_count"] >= 2);

        AssertCounts(scrape, sent);
        var total = sent.Values.Sum();

        // Each request was posted to a worker's event loop once.
        Assert.Equal(total, scrape["dram_python_queue_wait_seconds_count"]);
        Assert.InRange(scrape["dram_python_queue_wait_seconds_sum"] / total, 0, 1);
        Assert.InRange(scrape["dram_python_lag_seconds_sum"] / scrape["dram_python_lag_seconds_count"], 0, 1);
    }

    [Fact]
    public async Task Endpoint_OnlyGetMetrics_AndNotOnTheAppsBind()
    {
        using var server = await MetricsServer.StartAsync(MetricsServer.WsgiSource);
        var root = server.MetricsUrl[..^"/metrics".Length];

        using var other = await server.Http.GetAsync(new Uri(root + "/"));
        using var post = await server.Http.PostAsync(new Uri(server.MetricsUrl), new StringContent(""));
        var (status, _) = await server.RequestAsync("/metrics");
        var scrape = await server.ScrapeAsync();

        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);
        Assert.Equal(200, status);

        // The app answered /metrics on its own bind; the supervisor's scrapes are not app requests.
        Assert.Equal(1, scrape[Requests(200)]);

        // Each worker removed its slot file's name once it had mapped it.
        Assert.Empty(Directory.GetFiles("/dev/shm", $"dram-metrics-{server.Process.Pid}-*"));
    }

    private static async Task WaitForFileAsync(string path, Task request)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!File.Exists(path))
        {
            Assert.False(request.IsCompleted, "the held request ended before the app announced it");
            Assert.True(DateTime.UtcNow < deadline, "the app never started the held request");
            await Task.Delay(10);
        }
    }
}
