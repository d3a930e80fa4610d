using System.Net;
using Dram.Tests.Support;
using Xunit.Abstractions;

namespace Dram.Tests.Wsgi;

/// <summary>Large request bodies: streamed with bounded memory, and refused over the limit.</summary>
[Collection(UsesPython.Name)]
public sealed class UploadTests(PythonFixture python, ITestOutputHelper output)
{
    private const long MiB = 1024 * 1024;

    [Fact]
    public async Task Upload_512MiB_ServerMemoryStaysBounded()
    {
        var url = await python.UrlAsync("wsgi_echo:app");
        await python.Http.GetStringAsync(new Uri(url + "/warm-up"));
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        var before = ProcessMemory.Rss;
        var peakReset = ProcessMemory.TryResetPeak();
        long peak;
        using var content = new GeneratedContent(512 * MiB);
        string text;
        await using (var sampler = new ProcessMemory.Sampler())
        {
            using var response = await python.Http.PostAsync(new Uri(url + "/upload"), content);
            text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {text}");
            peak = sampler.Peak;
        }

        if (peakReset)
        {
            peak = Math.Max(peak, ProcessMemory.Read("VmHWM"));
        }

        var input = AppControl.Json(text).GetProperty("input");
        Assert.Equal(512 * MiB, input.GetProperty("length").GetInt64());
        Assert.Equal(content.Sha256, input.GetProperty("sha256").GetString());
        var growth = peak - before;
        output.WriteLine($"RSS before {before / MiB} MiB, peak {peak / MiB} MiB (VmHWM reset: {peakReset}), growth {growth / MiB} MiB");
        Assert.True(growth < 150 * MiB,
            $"RSS grew by {growth / MiB} MiB while a 512 MiB body streamed through (before {before / MiB} MiB, peak {peak / MiB} MiB)");
    }

    [Fact]
    public async Task Upload_ContentLengthOverLimit_Gets413()
    {
        var url = await python.UrlAsync("wsgi_echo:app", maxRequestBody: MiB);
        await using var connection = await RawConnection.OpenAsync(url);
        await connection.SendAsync(RawRequests.Request("POST", url, "/too-big", $"Content-Length: {2 * MiB}"));
        await connection.SendAsync(new byte[64 * 1024]);

        var response = await connection.ReadResponseAsync();
        Assert.Equal(413, response.StatusCode);
    }

    [Fact]
    public async Task Upload_ChunkedOverLimit_Gets413()
    {
        var url = await python.UrlAsync("wsgi_echo:app", maxRequestBody: MiB);
        await using var connection = await RawConnection.OpenAsync(url);
        await connection.SendAsync(RawRequests.Request("POST", url, "/too-big-chunked", "Transfer-Encoding: chunked"));

        var sending = connection.SendChunkedBodyInBackground(32);

        var response = await connection.ReadResponseAsync();
        Assert.Equal(413, response.StatusCode);
        await sending;
    }

    [Fact]
    public async Task Upload_UnderLimit_Accepted()
    {
        var url = await python.UrlAsync("wsgi_echo:app", maxRequestBody: MiB);
        using var content = new ByteArrayContent(new byte[MiB - 1]);
        using var response = await python.Http.PostAsync(new Uri(url + "/fits"), content);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var input = AppControl.Json(await response.Content.ReadAsStringAsync()).GetProperty("input");
        Assert.Equal(MiB - 1, input.GetProperty("length").GetInt64());
    }
}
