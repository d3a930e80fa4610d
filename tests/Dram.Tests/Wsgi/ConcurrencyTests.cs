using System.Diagnostics;
using Dram.Tests.Support;
using Xunit.Abstractions;

namespace Dram.Tests.Wsgi;

/// <summary>Requests run on up to Threads Python threads at once (tests/apps/wsgi_sleep.py).</summary>
[Collection(UsesPython.Name)]
public sealed class ConcurrencyTests(PythonFixture python, ITestOutputHelper output)
{
    private const string App = "wsgi_sleep:app";

    private async Task<TimeSpan> EightSleepsAsync(string url)
    {
        // Warm up: connections and at least one Python thread exist before timing.
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => python.Http.GetStringAsync(new Uri(url + "/quick"))));
        var clock = Stopwatch.StartNew();
        var bodies = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => python.Http.GetStringAsync(new Uri(url + "/sleep?s=0.5"))));
        clock.Stop();
        output.WriteLine($"8 sleeps of 0.5 s took {clock.Elapsed.TotalSeconds:F3} s");
        Assert.All(bodies, b => Assert.StartsWith("slept in ", b, StringComparison.Ordinal));
        return clock.Elapsed;
    }

    [Fact]
    public async Task SleepingApp_EightThreads_EightRequestsOverlap()
    {
        var url = await python.UrlAsync(App, threads: 8);
        var elapsed = await EightSleepsAsync(url);
        Assert.True(elapsed < TimeSpan.FromSeconds(1.5), $"8 requests sleeping 0.5 s took {elapsed.TotalSeconds:F2} s with 8 threads");
    }

    [Fact]
    public async Task SleepingApp_TwoThreads_AtMostTwoAtOnce()
    {
        var url = await python.UrlAsync(App, threads: 2);
        var elapsed = await EightSleepsAsync(url);
        // 8 sleeps of 0.5 s two at a time take 2 s; one at a time would take 4 s.
        Assert.True(elapsed >= TimeSpan.FromSeconds(1.9), $"8 requests sleeping 0.5 s took only {elapsed.TotalSeconds:F2} s with 2 threads");
        Assert.True(elapsed < TimeSpan.FromSeconds(3.5), $"8 requests sleeping 0.5 s took {elapsed.TotalSeconds:F2} s with 2 threads");
    }

    /// <summary>
    /// Starts a request to <paramref name="path"/> that holds its Python thread until released,
    /// runs <paramref name="meanwhile"/>, checks the held request is still running, releases it and
    /// returns its answer.
    /// </summary>
    private async Task<string> WhileHeldAsync(string url, string path, Func<Task> meanwhile)
    {
        var id = AppControl.NewId();
        var held = python.Http.GetStringAsync(new Uri($"{url}{path}?id={id}"));
        try
        {
            await meanwhile();
            Assert.False(held.IsCompleted);
        }
        finally
        {
            await python.Http.ReleaseAsync(url, id);
        }

        return await held;
    }

    [Fact]
    public async Task BlockedRequest_OtherRequests_StillServed()
    {
        var url = await python.UrlAsync(App, threads: 8);
        var answer = await WhileHeldAsync(url, "/block", async () =>
        {
            using var quick = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            for (var i = 0; i < 5; i++)
            {
                using var response = await python.Http.GetAsync(new Uri(url + "/quick"), quick.Token);
                Assert.Equal("quick", await response.Content.ReadAsStringAsync(quick.Token));
            }
        });

        Assert.Equal("released", answer);
    }

    [Fact]
    public async Task LongComputation_QueuedRequests_GetAnotherThread()
    {
        // The computing thread never blocks, so only the long-item rule can add a thread; the
        // release itself is a request that needs one.
        var url = await python.UrlAsync(App, threads: 8);
        var answer = await WhileHeldAsync(url, "/burn", async () =>
            Assert.Equal("quick", await python.Http.GetStringAsync(new Uri(url + "/quick"))));

        Assert.Equal("burned", answer);
    }

    [Fact]
    public async Task OneRequestAtATime_AfterABurst_TheSameThreadServesEach()
    {
        var url = await python.UrlAsync(App, threads: 8);
        var burst = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => python.Http.GetStringAsync(new Uri(url + "/sleep?s=0.3"))));
        Assert.True(burst.Distinct().Count() >= 2, "the burst of sleeps ran on one thread: " + string.Join(", ", burst));

        var threads = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            threads.Add(await python.Http.GetStringAsync(new Uri(url + "/sleep?s=0")));
        }

        // The most recently idle thread is woken first, so one thread serves them all once the
        // burst's helpers have stepped back (the first few may still meet one of them awake when
        // the machine is busy: CI saw two threads in 20 once, under a parallel build).
        Assert.Single(threads.Skip(5).Distinct());
    }
}
