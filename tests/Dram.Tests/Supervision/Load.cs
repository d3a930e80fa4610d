using System.Collections.Concurrent;
using System.Net;
using Dram.Tests.Support;

namespace Dram.Tests.Supervision;

/// <summary>
/// Steady load for the restart tests: raw keep-alive connections that send request after request
/// and open a new connection only when a response says Connection: close (so a reset or an
/// unanswered request on a reused connection counts as a failure, with no client retry to hide
/// it), plus HttpClient loops as an ordinary client would.
/// </summary>
internal sealed class Load : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = [];
    private readonly ConcurrentQueue<string> _failures = new();
    private readonly ConcurrentDictionary<int, int> _pids = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private long _ok;
    private long _closes;
    private int _disposed;

    public Load(string url, int rawLoops = 3, int httpLoops = 2)
    {
        for (var i = 0; i < rawLoops; i++)
        {
            _loops.Add(Task.Run(() => RawLoopAsync(url)));
        }

        for (var i = 0; i < httpLoops; i++)
        {
            _loops.Add(Task.Run(() => HttpLoopAsync(url)));
        }
    }

    public long Succeeded => Interlocked.Read(ref _ok);

    /// <summary>Responses that carried Connection: close (the drain's answers).</summary>
    public long Closes => Interlocked.Read(ref _closes);

    public IReadOnlyCollection<string> Failures => _failures;

    /// <summary>The worker pids that answered.</summary>
    public IReadOnlyCollection<int> Pids => [.. _pids.Keys];

    /// <summary>Waits until at least <paramref name="count"/> more requests have succeeded.</summary>
    public async Task WaitForMoreAsync(long count)
    {
        var target = Succeeded + count;
        var deadline = DateTime.UtcNow + Supervised.Deadline;
        while (Succeeded < target)
        {
            Assert.True(DateTime.UtcNow < deadline, $"load stalled at {Succeeded} requests; failures: {string.Join("; ", _failures)}");
            await Task.Delay(20);
        }
    }

    /// <summary>Stops the load and waits for its loops; safe to call twice.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync();
        await Task.WhenAll(_loops);
        _stop.Dispose();
        _http.Dispose();
    }

    private async Task RawLoopAsync(string url)
    {
        var host = RawConnection.HostOf(url);
        while (!_stop.IsCancellationRequested)
        {
            RawConnection connection;
            try
            {
                connection = await RawConnection.OpenAsync(url);
            }
            catch (Exception e) when (e is System.Net.Sockets.SocketException or IOException)
            {
                _failures.Enqueue("connect: " + e.Message);
                continue;
            }

            await using (connection)
            {
                while (!_stop.IsCancellationRequested)
                {
                    try
                    {
                        await connection.SendAsync($"GET /raw HTTP/1.1\r\nHost: {host}\r\n\r\n");
                        var response = await connection.ReadResponseAsync();
                        if (response.StatusCode != 200 || !response.Complete)
                        {
                            _failures.Enqueue($"raw: {response.StatusLine} complete={response.Complete}");
                            break;
                        }

                        Record(response.BodyText);
                        if (string.Equals(response.Header("Connection"), "close", StringComparison.OrdinalIgnoreCase))
                        {
                            Interlocked.Increment(ref _closes);
                            break;
                        }
                    }
                    catch (Exception e) when (e is System.Net.Sockets.SocketException or IOException or InvalidDataException or TimeoutException)
                    {
                        _failures.Enqueue($"raw: {e.GetType().Name}: {e.Message}");
                        break;
                    }
                }
            }
        }
    }

    private async Task HttpLoopAsync(string url)
    {
        var uri = new Uri(url + "/http");
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                using var response = await _http.GetAsync(uri, _stop.Token);
                var body = await response.Content.ReadAsStringAsync(_stop.Token);
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    _failures.Enqueue($"http: {(int)response.StatusCode}");
                    continue;
                }

                Record(body);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (HttpRequestException e)
            {
                _failures.Enqueue("http: " + e.Message);
            }
        }
    }

    private void Record(string body)
    {
        _pids.AddOrUpdate(Supervised.PidOf(body), 1, (_, n) => n + 1);
        Interlocked.Increment(ref _ok);
    }
}
