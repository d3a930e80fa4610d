using Dram.Tests.Support;

namespace Dram.Tests.Asgi;

/// <summary>
/// The event loop ASGI apps run on (tests/apps/asgi_echo.py). Every in-process server shares one
/// interpreter and one loop, chosen by the first ASGI server; all of them use Loop=Auto, which is
/// uvloop when it can be imported (Debian's python3-uvloop is installed for the tests). The CLI test
/// (<see cref="AsgiCliTests"/>) checks --loop asyncio in a process of its own.
/// </summary>
[Collection(UsesPython.Name)]
public sealed class AsgiEventLoopTests(PythonFixture python)
{
    private const string App = "asgi_echo:app";

    [Fact]
    public async Task LoopAuto_UvloopInstalled_AppRunsOnUvloop()
    {
        var url = await python.UrlAsync(App);
        var loop = await python.Http.GetStringAsync(new Uri(url + "/loop"));

        Assert.StartsWith("uvloop.", loop, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ManyRequestsAwaiting_AllInFlightAtOnce_ThenAllAnswered()
    {
        // An app awaiting does not hold a thread: 40 requests wait on one event at the same time
        // (more than the server's 8 Python threads), all are seen waiting, one release ends them all.
        const int Count = 40;
        var url = await python.UrlAsync(App);
        var id = AppControl.NewId();
        var held = Enumerable.Range(0, Count).Select(_ => python.Http.GetStringAsync(new Uri($"{url}/hold?id={id}"))).ToList();
        try
        {
            var records = await python.Http.WaitForRecordsAsync(url, id, r => r.Count >= Count);
            Assert.Equal(Count, records.Count(r => r == "waiting"));
            Assert.DoesNotContain(held, h => h.IsCompleted);
        }
        finally
        {
            await python.Http.ReleaseAsync(url, id);
        }

        var answers = await Task.WhenAll(held);
        Assert.All(answers, a => Assert.Equal("released", a));
    }
}
