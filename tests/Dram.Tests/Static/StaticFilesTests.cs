using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Dram.Tests.Support;

namespace Dram.Tests.StaticFiles;

/// <summary>
/// --static in front of a WSGI app that counts its calls: files are answered by .NET with
/// validators, conditional requests, byte ranges and precompressed siblings, and the app never
/// runs for anything under a static prefix. Live server, real files, HttpClient and raw sockets.
/// </summary>
[Collection(UsesPython.Name)]
public sealed class StaticFilesTests(PythonFixture python) : IDisposable
{
    private readonly StaticSite _site = new();

    public void Dispose() => _site.Dispose();

    private async Task<HttpResponseMessage> GetAsync(string url, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return await python.Http.SendAsync(request);
    }

    [Fact]
    public async Task Get_FileUnderPrefix_ServedWithValidatorsAndTheAppNeverRuns()
    {
        await using var server = await _site.StartAsync(python, "static_counter:app");
        var before = await StaticRequests.AppCallsAsync(python.Http, server.Url);

        using var response = await GetAsync(server.Url + "/static/plain.txt");
        var head = await StaticRequests.RawAsync(server.Url, "/static/plain.txt", "HEAD");
        using var missing = await GetAsync(server.Url + "/static/nothing-here.txt");
        using var post = await python.Http.PostAsync(server.Url + "/static/plain.txt", new StringContent("x"));
        var after = await StaticRequests.AppCallsAsync(python.Http, server.Url);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("plain text", await response.Content.ReadAsStringAsync());
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(10, response.Content.Headers.ContentLength);
        Assert.NotNull(response.Headers.ETag);
        Assert.False(response.Headers.ETag!.IsWeak);
        Assert.Equal(File.GetLastWriteTimeUtc(Path.Combine(_site.Public, "plain.txt")).ToString("R"), response.Content.Headers.LastModified?.UtcDateTime.ToString("R"));
        Assert.Equal(["bytes"], response.Headers.AcceptRanges);
        Assert.False(response.Headers.Contains("Cache-Control"));
        Assert.Equal(200, head.StatusCode);
        Assert.Equal("10", head.Header("Content-Length"));
        Assert.Empty(head.Body);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);
        Assert.Equal(["GET", "HEAD"], post.Content.Headers.Allow.Order());
        Assert.Equal(before + 1, after); // only the second /count ran Python
    }

    [Fact]
    public async Task Dispatch_WholeSegmentsLongestPrefix_OtherPathsReachTheApp()
    {
        await using var server = await _site.StartAsync(python, "static_counter:app");

        Assert.Equal("from deep", await python.Http.GetStringAsync(server.Url + "/static/deep/x.txt"));
        Assert.StartsWith("app /staticx/plain.txt calls=", await python.Http.GetStringAsync(server.Url + "/staticx/plain.txt"));
        Assert.StartsWith("app /other calls=", await python.Http.GetStringAsync(server.Url + "/other"));
        Assert.StartsWith("app /Static/plain.txt calls=", await python.Http.GetStringAsync(server.Url + "/Static/plain.txt"));
        Assert.Equal("non-ASCII name", await python.Http.GetStringAsync(server.Url + "/static/caf%C3%A9%20menu.txt"));

        // %2F is no separator in Kestrel's Request.Path, so this is not under /static; the app's
        // PATH_INFO, built from the raw target (PEP 3333), decodes it.
        var encodedSlash = await StaticRequests.RawAsync(server.Url, "/static%2Fplain.txt");
        Assert.StartsWith("app /static/plain.txt calls=", encodedSlash.BodyText, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/static")]
    [InlineData("/static/")]
    [InlineData("/static/sub")]
    [InlineData("/static/sub/")]
    [InlineData("/static/deep/")]
    [InlineData("/static/deep/nothing")]
    public async Task Get_DirectoryOrMissing_404FromTheStaticRouteNoListingNoIndex(string target)
    {
        await using var server = await _site.StartAsync(python, "static_counter:app");
        var before = await StaticRequests.AppCallsAsync(python.Http, server.Url);

        var response = await StaticRequests.RawAsync(server.Url, target);

        Assert.Equal(404, response.StatusCode);
        Assert.DoesNotContain("sub", response.BodyText, StringComparison.Ordinal);
        Assert.Equal(before + 1, await StaticRequests.AppCallsAsync(python.Http, server.Url));
    }

    [Theory]
    [InlineData("POST")]
    [InlineData("PUT")]
    [InlineData("DELETE")]
    [InlineData("OPTIONS")]
    public async Task OtherMethods_405WithAllow(string method)
    {
        await using var server = await _site.StartAsync(python, "static_counter:app");

        var response = await StaticRequests.RawAsync(server.Url, "/static/plain.txt", method, "Content-Length: 0");

        Assert.Equal(405, response.StatusCode);
        Assert.Equal("GET, HEAD", response.Header("Allow"));
    }

    [Fact]
    public async Task Symlinks_InsideServed_OutsideRefused()
    {
        await using var server = await _site.StartAsync(python, "static_counter:app");

        Assert.Equal("plain text", await python.Http.GetStringAsync(server.Url + "/static/inside-link.txt"));

        // A link is judged by where the file really is: up -> .. leads back into public/ here.
        Assert.Equal("plain text", await python.Http.GetStringAsync(server.Url + "/static/up/public/plain.txt"));
        foreach (var target in new[] { "/static/outside-link.txt", "/static/absolute-link.txt", "/static/up/secret.txt", "/static/etc/passwd", "/static/etc/hostname" })
        {
            using var response = await GetAsync(server.Url + target);
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{target}: {response.StatusCode}");
        }
    }

    [Fact]
    public async Task Symlink_ToAFifoOutside_404WithoutOpeningIt()
    {
        // Opening a FIFO for reading blocks until a writer comes: a prompt 404 shows it was never opened.
        var fifo = Path.Combine(_site.Root, "pipe");
        Assert.Equal(0, (await ChildProcess.RunAsync("mkfifo", [fifo], _site.Root)).ExitCode);
        File.CreateSymbolicLink(Path.Combine(_site.Public, "pipe-link"), fifo);
        await using var server = await _site.StartAsync(python, "static_counter:app");

        var response = await StaticRequests.RawAsync(server.Url, "/static/pipe-link");

        Assert.Equal(404, response.StatusCode);
    }

    [Fact]
    public async Task Conditional_IfNoneMatchAndIfModifiedSince_304_IfMatchMismatch_412()
    {
        await using var server = await _site.StartAsync(python, "static_counter:app");
        using var first = await GetAsync(server.Url + "/static/plain.txt");
        var etag = first.Headers.ETag!.Tag;
        var lastModified = first.Content.Headers.LastModified!.Value.ToString("R");

        using var byTag = await GetAsync(server.Url + "/static/plain.txt", ("If-None-Match", $"\"other\", {etag}"));
        using var byWeakTag = await GetAsync(server.Url + "/static/plain.txt", ("If-None-Match", "W/" + etag));
        using var byDate = await GetAsync(server.Url + "/static/plain.txt", ("If-Modified-Since", lastModified));
        using var stale = await GetAsync(server.Url + "/static/plain.txt", ("If-None-Match", "\"other\""), ("If-Modified-Since", lastModified));
        using var ifMatch = await GetAsync(server.Url + "/static/plain.txt", ("If-Match", "\"other\""));
        using var unmodified = await GetAsync(server.Url + "/static/plain.txt", ("If-Unmodified-Since", "Sat, 01 Jan 2000 00:00:00 GMT"));

        Assert.Equal(HttpStatusCode.NotModified, byTag.StatusCode);
        Assert.Equal(etag, byTag.Headers.ETag?.Tag);
        Assert.Empty(await byTag.Content.ReadAsByteArrayAsync());
        Assert.Equal(HttpStatusCode.NotModified, byWeakTag.StatusCode);
        Assert.Equal(HttpStatusCode.NotModified, byDate.StatusCode);
        Assert.Equal(HttpStatusCode.OK, stale.StatusCode); // If-None-Match wins over If-Modified-Since (RFC 9110 §13.2.2)
        Assert.Equal(HttpStatusCode.PreconditionFailed, ifMatch.StatusCode);
        Assert.Equal(HttpStatusCode.PreconditionFailed, unmodified.StatusCode);
    }

    [Fact]
    public async Task Range_Single_206_Suffix_Unsatisfiable416_SeveralOrStaleIfRange200()
    {
        await using var server = await _site.StartAsync(python, "static_counter:app");
        var url = server.Url + "/static/numbers.bin";
        using var first = await GetAsync(url);
        var etag = first.Headers.ETag!.Tag;

        using var middle = await GetAsync(url, ("Range", "bytes=10-19"));
        using var suffix = await GetAsync(url, ("Range", "bytes=-5"));
        using var open = await GetAsync(url, ("Range", "bytes=95-"));
        using var beyond = await GetAsync(url, ("Range", "bytes=100-"));
        using var several = await GetAsync(url, ("Range", "bytes=0-1,5-6"));
        using var staleIfRange = await GetAsync(url, ("Range", "bytes=0-1"), ("If-Range", "\"old\""));
        using var freshIfRange = await GetAsync(url, ("Range", "bytes=0-1"), ("If-Range", etag));
        var headRange = await StaticRequests.RawAsync(server.Url, "/static/numbers.bin", "HEAD", "Range: bytes=10-19");

        Assert.Equal(HttpStatusCode.PartialContent, middle.StatusCode);
        Assert.Equal(StaticSite.Numbers[10..20], await middle.Content.ReadAsByteArrayAsync());
        Assert.Equal("bytes 10-19/100", middle.Content.Headers.ContentRange?.ToString());
        Assert.Equal(StaticSite.Numbers[95..], await suffix.Content.ReadAsByteArrayAsync());
        Assert.Equal(StaticSite.Numbers[95..], await open.Content.ReadAsByteArrayAsync());
        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, beyond.StatusCode);
        Assert.Equal("bytes */100", beyond.Content.Headers.ContentRange?.ToString());
        Assert.Equal(HttpStatusCode.OK, several.StatusCode);
        Assert.Equal(StaticSite.Numbers, await several.Content.ReadAsByteArrayAsync());
        Assert.Equal(HttpStatusCode.OK, staleIfRange.StatusCode);
        Assert.Equal(HttpStatusCode.PartialContent, freshIfRange.StatusCode);
        Assert.Equal(200, headRange.StatusCode); // Range applies to GET only (RFC 9110 §14.2)
        Assert.Equal("100", headRange.Header("Content-Length"));
    }

    [Fact]
    public async Task Precompressed_BrotliPreferredThenGzip_OriginalTypeVaryDistinctETag()
    {
        await using var server = await _site.StartAsync(python, "static_counter:app");
        var url = server.Url + "/static/app.js";

        using var identity = await GetAsync(url);
        using var both = await GetAsync(url, ("Accept-Encoding", "gzip, deflate, br"));
        using var gzipOnly = await GetAsync(url, ("Accept-Encoding", "gzip"));
        using var brRefused = await GetAsync(url, ("Accept-Encoding", "br;q=0, *"));
        using var noGzipSibling = await GetAsync(server.Url + "/static/only-gzip.css", ("Accept-Encoding", "br"));
        using var noSiblings = await GetAsync(server.Url + "/static/plain.txt", ("Accept-Encoding", "br, gzip"));

        Assert.Equal(StaticSite.Script, await identity.Content.ReadAsStringAsync());
        Assert.Empty(identity.Content.Headers.ContentEncoding);
        Assert.Contains("Accept-Encoding", identity.Headers.Vary);

        Assert.Equal(["br"], both.Content.Headers.ContentEncoding);
        Assert.Equal("text/javascript", both.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Accept-Encoding", both.Headers.Vary);
        Assert.NotEqual(identity.Headers.ETag, both.Headers.ETag);
        await using (var decoded = new BrotliStream(await both.Content.ReadAsStreamAsync(), CompressionMode.Decompress))
        {
            Assert.Equal(StaticSite.Script, await new StreamReader(decoded, Encoding.UTF8).ReadToEndAsync());
        }

        Assert.Equal(["gzip"], gzipOnly.Content.Headers.ContentEncoding);
        Assert.NotEqual(both.Headers.ETag, gzipOnly.Headers.ETag);
        Assert.NotEqual(identity.Headers.ETag, gzipOnly.Headers.ETag);
        await using (var decoded = new GZipStream(await gzipOnly.Content.ReadAsStreamAsync(), CompressionMode.Decompress))
        {
            Assert.Equal(StaticSite.Script, await new StreamReader(decoded, Encoding.UTF8).ReadToEndAsync());
        }

        Assert.Equal(["gzip"], brRefused.Content.Headers.ContentEncoding);
        Assert.Empty(noGzipSibling.Content.Headers.ContentEncoding);
        Assert.Contains("Accept-Encoding", noGzipSibling.Headers.Vary);
        Assert.Empty(noSiblings.Content.Headers.ContentEncoding);
        Assert.Empty(noSiblings.Headers.Vary);
    }

    [Fact]
    public async Task Precompressed_RangeAndConditionalApplyToTheCompressedBytes()
    {
        await using var server = await _site.StartAsync(python, "static_counter:app");
        var url = server.Url + "/static/app.js";
        var compressed = await File.ReadAllBytesAsync(Path.Combine(_site.Public, "app.js.br"));
        using var whole = await GetAsync(url, ("Accept-Encoding", "br"));

        using var part = await GetAsync(url, ("Accept-Encoding", "br"), ("Range", "bytes=0-9"));
        using var notModified = await GetAsync(url, ("Accept-Encoding", "br"), ("If-None-Match", whole.Headers.ETag!.Tag));
        using var otherVariant = await GetAsync(url, ("Accept-Encoding", "gzip"), ("If-None-Match", whole.Headers.ETag!.Tag));

        Assert.Equal(HttpStatusCode.PartialContent, part.StatusCode);
        Assert.Equal(["br"], part.Content.Headers.ContentEncoding);
        Assert.Equal(compressed[..10], await part.Content.ReadAsByteArrayAsync());
        Assert.Equal($"bytes 0-9/{compressed.Length}", part.Content.Headers.ContentRange?.ToString());
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.Contains("Accept-Encoding", notModified.Headers.Vary);
        Assert.Equal(HttpStatusCode.OK, otherVariant.StatusCode);
    }

    [Fact]
    public async Task LargeFile_WholeAndARangeAcrossReadBlocks_ByteExact()
    {
        await using var server = await _site.StartAsync(python, "static_counter:app");

        var whole = await python.Http.GetByteArrayAsync(server.Url + "/static/large.bin");
        using var range = await GetAsync(server.Url + "/static/large.bin", ("Range", "bytes=65000-200000"));

        Assert.Equal(StaticSite.Large, whole);
        Assert.Equal(HttpStatusCode.PartialContent, range.StatusCode);
        Assert.Equal(StaticSite.Large[65000..200001], await range.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task AccessLog_StaticRequestsLoggedWithStatusAndBytes()
    {
        var log = Path.Combine(_site.Root, "access.log");
        await using (var server = await OwnServer.StartAsync(python, "static_counter:app", options =>
        {
            options.Statics.Add(new Dram.Server.Hosting.StaticRoute("/static", _site.Public));
            options.AccessLog = log;
            options.AccessLogFormat = "%(r)s %(s)s %(b)s";
        }))
        {
            await python.Http.GetStringAsync(server.Url + "/static/plain.txt");
            using var missing = await GetAsync(server.Url + "/static/missing.txt");
        }

        var lines = await File.ReadAllLinesAsync(log);
        Assert.Contains("GET /static/plain.txt HTTP/1.1 200 10", lines);
        Assert.Contains("GET /static/missing.txt HTTP/1.1 404 0", lines);
    }

    [Fact]
    public async Task Curl_RangeAndCompressed_AsAClientSeesThem()
    {
        await using var server = await _site.StartAsync(python, "static_counter:app");

        var range = await ChildProcess.RunAsync("curl", ["-sS", "-r", "3-6", "-o", "-", "-w", "%{http_code}", server.Url + "/static/plain.txt"], _site.Root);
        var compressed = await ChildProcess.RunAsync("curl", ["-sS", "--compressed", "-D", "-", server.Url + "/static/app.js"], _site.Root);

        Assert.Equal("in t206", range.Stdout.TrimEnd('\n'));
        Assert.Contains("content-encoding: br", compressed.Stdout, StringComparison.OrdinalIgnoreCase);
        Assert.EndsWith(StaticSite.Script, compressed.Stdout, StringComparison.Ordinal);
    }
}
