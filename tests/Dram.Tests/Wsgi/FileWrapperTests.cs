using Dram.Tests.Support;

namespace Dram.Tests.Wsgi;

/// <summary>
/// PEP 3333 "Optional Platform-Specific File Handling" (tests/apps/wsgi_files.py). A file with a
/// descriptor must be sent by the server without calling the file-like's read(): the bytes never
/// pass through Python. (Whether the server then uses sendfile or pread is not checked here: an
/// strace of this whole test process is too heavy and too noisy to be a reliable test.)
/// </summary>
[Collection(UsesPython.Name)]
public sealed class FileWrapperTests(PythonFixture python) : IDisposable
{
    private const string App = "wsgi_files:app";
    private readonly string _dir = Directory.CreateTempSubdirectory("dram-file-wrapper-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string WriteFile(int length)
    {
        var bytes = new byte[length];
        new Random(length).NextBytes(bytes);
        var path = Path.Combine(_dir, $"payload-{length}.bin");
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Theory]
    [InlineData(3 * 1024 * 1024 + 17, false)]
    [InlineData(3 * 1024 * 1024 + 17, true)]
    [InlineData(1, true)]
    public async Task FileWrapper_RealFile_ExactBytesWithoutPythonRead(int length, bool withContentLength)
    {
        var url = await python.UrlAsync(App);
        var path = WriteFile(length);
        var id = AppControl.NewId();
        var target = $"{url}/file?id={id}&length={(withContentLength ? 1 : 0)}&path={Uri.EscapeDataString(path)}";
        using var response = await python.Http.GetAsync(new Uri(target));
        var body = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(await File.ReadAllBytesAsync(path), body);
        if (withContentLength)
        {
            Assert.Equal(length, response.Content.Headers.ContentLength);
        }

        var records = await python.Http.WaitForRecordAsync(url, id, "close");
        Assert.DoesNotContain("read", records);
        Assert.Contains("close", records);
        Assert.Single(records, r => r == "close");
    }

    [Fact]
    public async Task FileWrapper_SlowClient_OtherRequestsRunMeanwhile()
    {
        // While a file goes out to a client that reads nothing, the sending thread waits in .NET
        // with the GIL released: another request's Python runs at once. Were the bytes sent through
        // Python, or the GIL held while waiting, the second request would wait for the first.
        var url = await python.UrlAsync(App);
        var path = Path.Combine(_dir, "large-sparse.bin");
        await using (var file = File.Create(path))
        {
            file.SetLength(256L * 1024 * 1024); // far beyond what the socket buffers can take
        }

        var id = AppControl.NewId();
        await using var stalled = await RawConnection.OpenAsync(url);
        await stalled.SendAsync(RawRequests.Get(url, $"/file?id={id}&length=1&path={Uri.EscapeDataString(path)}"));
        Assert.True(await stalled.WaitForDataAsync(TimeSpan.FromSeconds(10)), "the file response never started");

        using var other = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var body = await python.Http.GetByteArrayAsync(new Uri($"{url}/no-fileno?id={AppControl.NewId()}&size=10"), other.Token);
        Assert.Equal(10, body.Length);

        await stalled.DisposeAsync();
        var records = await python.Http.WaitForRecordAsync(url, id, "close");
        Assert.DoesNotContain("read", records);
        Assert.Contains("close", records);
    }

    [Fact]
    public async Task FileWrapper_EmptyFile_EmptyBodyAndClosed()
    {
        // An empty file carries no bytes, so the server may read() it through Python (it does, to
        // cope with /proc files that report size 0); only the result and close() are checked.
        var url = await python.UrlAsync(App);
        var path = WriteFile(0);
        var id = AppControl.NewId();
        using var response = await python.Http.GetAsync(new Uri($"{url}/file?id={id}&length=1&path={Uri.EscapeDataString(path)}"));

        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(0, response.Content.Headers.ContentLength);
        Assert.Single(await python.Http.WaitForRecordAsync(url, id, "close"), r => r == "close");
    }

    [Fact]
    public async Task FileWrapper_NoFileDescriptor_FallsBackToRead()
    {
        var url = await python.UrlAsync(App);
        var id = AppControl.NewId();
        const int size = 100_000;
        var body = await python.Http.GetByteArrayAsync(new Uri($"{url}/no-fileno?id={id}&size={size}"));

        var expected = Enumerable.Range(0, size).Select(i => (byte)(i % 251)).ToArray();
        Assert.Equal(expected, body);
        var records = await python.Http.WaitForRecordAsync(url, id, "close");
        Assert.Contains("read", records);
        Assert.Contains("close", records);
    }
}
