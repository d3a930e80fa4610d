using System.Net;
using System.Net.Sockets;
using System.Text;
using Dram.Tests.Support;
using Xunit.Abstractions;

namespace Dram.Tests.Asgi;

/// <summary>
/// Backpressure both ways with 1 GiB bodies (tests/apps/asgi_stream.py): a slow app slows reading
/// the body, since nothing is read ahead of receive(); a slow client slows the app's send(), since
/// send() waits while Kestrel's pipe is full. Memory stays bounded either way.
/// </summary>
[Collection(UsesPython.Name)]
public sealed class AsgiBackpressureTests(PythonFixture python, ITestOutputHelper output)
{
    private const string App = "asgi_stream:app";
    private const long MiB = 1024 * 1024;
    private const long GiB = 1024 * MiB;

    [Fact]
    public async Task Upload_1GiB_ArrivesWhole_ServerMemoryStaysBounded()
    {
        var url = await python.UrlAsync(App);
        await python.Http.GetStringAsync(new Uri(url + "/progress?id=warm-up"));
        var before = Settle();

        using var content = new GeneratedContent(GiB);
        string text;
        long peak;
        await using (var sampler = new ProcessMemory.Sampler())
        {
            using var response = await python.Http.PostAsync(new Uri(url + "/upload"), content);
            text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {text}");
            peak = sampler.Peak;
        }

        var result = AppControl.Json(text);
        Assert.Equal(GiB, result.GetProperty("length").GetInt64());
        Assert.Equal(content.Sha256, result.GetProperty("sha256").GetString());
        Assert.True(result.GetProperty("messages").GetInt32() > 1);
        AssertBounded(before, peak);
    }

    [Fact]
    public async Task Download_1GiB_ClientNotReading_SendWaits_ThenAllArrives()
    {
        var url = new Uri(await python.UrlAsync(App));
        var id = AppControl.NewId();
        var before = Settle();

        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(url.Host, url.Port);
        await socket.SendAsync(Encoding.ASCII.GetBytes($"GET /download?size={GiB}&id={id} HTTP/1.1\r\nHost: {url.Authority}\r\n\r\n"));
        var buffer = new byte[256 * 1024];
        var head = await ReadHeadAsync(socket, buffer);
        Assert.StartsWith("HTTP/1.1 200", head.Text, StringComparison.Ordinal);
        Assert.Contains($"Content-Length: {GiB}", head.Text, StringComparison.Ordinal);

        await using var sampler = new ProcessMemory.Sampler();

        // The client reads nothing more. The app's send() must stall once Kestrel's pipe and the
        // socket buffers are full. There is no event for "stopped", so progress is polled until
        // it stays the same for ten polls in a row.
        var stalledAt = await WaitForStallAsync(url, id);
        output.WriteLine($"send() stalled after {stalledAt / MiB} MiB");
        Assert.True(stalledAt < 64 * MiB, $"the app sent {stalledAt / MiB} MiB to a client that read nothing");

        // Now the client reads everything: all of it arrives, and the app finishes.
        var received = (long)head.BodyBytes;
        while (received < GiB)
        {
            var n = await socket.ReceiveAsync(buffer);
            Assert.True(n > 0, $"connection closed after {received} of {GiB} body bytes");
            received += n;
        }

        Assert.Equal(GiB, received);
        Assert.Equal(GiB.ToString(System.Globalization.CultureInfo.InvariantCulture), await Progress(url, id));
        AssertBounded(before, sampler.Peak);
    }

    private async Task<long> WaitForStallAsync(Uri url, string id)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        var last = -1L;
        var same = 0;
        while (DateTime.UtcNow < deadline)
        {
            var now = long.Parse(await Progress(url, id), System.Globalization.CultureInfo.InvariantCulture);
            same = now == last ? same + 1 : 0;
            last = now;
            if (same == 10)
            {
                return now;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"send() never stalled: {last / MiB} MiB sent to a client reading nothing");
    }

    private Task<string> Progress(Uri url, string id) =>
        python.Http.GetStringAsync(new Uri(url, $"/progress?id={id}"));

    private static async Task<(string Text, int BodyBytes)> ReadHeadAsync(Socket socket, byte[] buffer)
    {
        var filled = 0;
        while (true)
        {
            var n = await socket.ReceiveAsync(buffer.AsMemory(filled, 4096));
            Assert.True(n > 0, "connection closed before the response head");
            filled += n;
            var text = Encoding.Latin1.GetString(buffer, 0, filled);
            var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (end >= 0)
            {
                return (text[..end], filled - end - 4);
            }
        }
    }

    private static long Settle()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return ProcessMemory.Rss;
    }

    private void AssertBounded(long before, long peak)
    {
        var growth = peak - before;
        output.WriteLine($"RSS before {before / MiB} MiB, peak {peak / MiB} MiB, growth {growth / MiB} MiB");
        Assert.True(growth < 150 * MiB, $"RSS grew by {growth / MiB} MiB while 1 GiB streamed through");
    }
}
