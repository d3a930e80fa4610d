using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Dram.Tests.Cli;
using Dram.Tests.Supervision;
using Dram.Tests.Support;

namespace Dram.Tests.Metrics;

/// <summary>
/// The real dram command with two workers and <c>--metrics 127.0.0.1:0</c>, serving a small app
/// written to a temporary directory: <c>/NNN</c> answers status NNN, anything else 200, the body
/// is always <c>pid=N</c>; <c>/hold?DIR</c> (WSGI) creates DIR/held, then waits for DIR/release.
/// </summary>
internal sealed partial class MetricsServer : IDisposable
{
    public const string WsgiSource = """
        import os, time

        def app(environ, start_response):
            path = environ["PATH_INFO"].strip("/")
            code = path if path.isdigit() else "200"
            if path == "hold":
                directory = environ["QUERY_STRING"]
                open(os.path.join(directory, "held"), "w").close()
                deadline = time.monotonic() + 60
                while not os.path.exists(os.path.join(directory, "release")) and time.monotonic() < deadline:
                    time.sleep(0.01)
            body = ("pid=%d" % os.getpid()).encode()
            start_response(code + " Test", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
            return [body]
        """;

    public const string AsgiSource = """
        import os

        async def app(scope, receive, send):
            if scope["type"] == "lifespan":
                while True:
                    message = await receive()
                    if message["type"] == "lifespan.startup":
                        await send({"type": "lifespan.startup.complete"})
                    elif message["type"] == "lifespan.shutdown":
                        await send({"type": "lifespan.shutdown.complete"})
                        return
            path = scope["path"].strip("/")
            body = ("pid=%d" % os.getpid()).encode()
            await send({"type": "http.response.start", "status": int(path) if path.isdigit() else 200,
                        "headers": [(b"content-type", b"text/plain"), (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})
        """;

    private MetricsServer(string dir, ChildProcess process, string url, string metricsUrl)
    {
        Dir = dir;
        Process = process;
        Url = url;
        MetricsUrl = metricsUrl;
    }

    public string Dir { get; }

    public ChildProcess Process { get; }

    /// <summary>The app's bind.</summary>
    public string Url { get; }

    /// <summary>http://127.0.0.1:PORT/metrics, from the supervisor's "Metrics at:" line.</summary>
    public string MetricsUrl { get; }

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(60) };

    public static async Task<MetricsServer> StartAsync(string source, params string[] args)
    {
        var dir = Directory.CreateTempSubdirectory("dram-metrics-test-").FullName;
        await File.WriteAllTextAsync(Path.Combine(dir, "metrics_app.py"), source);
        var process = DramProcess.Start(["--python", Supervised.Python, "--chdir", dir, "-b", "127.0.0.1:0", "--workers", "2",
            "--metrics", "127.0.0.1:0", .. args, "metrics_app:app"]);
        var url = await process.WaitForListeningAsync();
        var line = await process.WaitForStderrLineAsync(l => MetricsLine().IsMatch(l), Supervised.Deadline);
        return new MetricsServer(dir, process, url, MetricsLine().Match(line).Groups[1].Value);
    }

    /// <summary>GETs /metrics and parses it strictly.</summary>
    public async Task<PrometheusScrape> ScrapeAsync()
    {
        using var response = await Http.GetAsync(new Uri(MetricsUrl));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        return PrometheusScrape.Parse(await response.Content.ReadAsStringAsync());
    }

    /// <summary>Scrapes until <paramref name="condition"/> holds (a gauge settling), or fails at the deadline.</summary>
    public async Task<PrometheusScrape> ScrapeUntilAsync(Func<PrometheusScrape, bool> condition)
    {
        var deadline = DateTime.UtcNow + Supervised.Deadline;
        while (true)
        {
            var scrape = await ScrapeAsync();
            if (condition(scrape))
            {
                return scrape;
            }

            Assert.True(DateTime.UtcNow < deadline, "the metrics never reached the expected state");
            await Task.Delay(20);
        }
    }

    /// <summary>One request on its own connection (so the two workers share them); returns the status and the pid that answered.</summary>
    public async Task<(int Status, int Pid)> RequestAsync(string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(Url + path));
        request.Headers.ConnectionClose = true;
        using var response = await Http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, Supervised.PidOf(body));
    }

    /// <summary>
    /// Sends requests for <paramref name="statuses"/>, ten at a time, round after round until both
    /// workers have answered some; returns how many of each status were sent.
    /// </summary>
    public async Task<Dictionary<int, int>> SendUntilBothWorkersAnsweredAsync(params int[] statuses)
    {
        var sent = new Dictionary<int, int>();
        var pids = new HashSet<int>();
        for (var round = 0; round < 100 && (round < 3 || pids.Count < 2); round++)
        {
            var batch = Enumerable.Range(0, 10).Select(i => statuses[i % statuses.Length]).ToList();
            var answers = await Task.WhenAll(batch.Select(s => RequestAsync("/" + s.ToString(CultureInfo.InvariantCulture))));
            foreach (var (status, pid) in answers)
            {
                sent[status] = sent.GetValueOrDefault(status) + 1;
                pids.Add(pid);
            }

            Assert.Equal(batch, answers.Select(a => a.Status));
        }

        Assert.Equal(2, pids.Count);
        return sent;
    }

    /// <summary>The worker pids the supervisor booted, in order.</summary>
    public IReadOnlyList<int> WorkerPids() => Supervised.BootingPids(Process.Stderr);

    public void Dispose()
    {
        Http.Dispose();
        Process.Dispose();
        Directory.Delete(Dir, recursive: true);
    }

    [GeneratedRegex(@"\[INFO\] Metrics at: (\S+)")]
    private static partial Regex MetricsLine();
}
