using System.Net;
using System.Security.Cryptography;
using System.Text;
using Dram.Tests.Support;

namespace Dram.Tests.Apps;

/// <summary>
/// A Django 3.2 site (tests/apps/real/django_site) under Dram and gunicorn: a multipart upload,
/// a FileResponse (through wsgi.file_wrapper), a StreamingHttpResponse and a JSON view.
/// The admin login is in <see cref="DjangoAdminTests"/>.
/// </summary>
[Collection(UsesPython.Name)]
public sealed class DjangoSiteTests(PythonFixture python, DjangoSite site) : IClassFixture<DjangoSite>
{
    private async Task<(Captured Dram, Captured Gunicorn)> BothAsync(Func<string, HttpRequestMessage> request) =>
        await Exchange.BothAsync(python.Http, await python.UrlAsync(DjangoSite.App), site.Gunicorn!.Url, request);

    [Fact]
    public async Task JsonView_GetWithQuery_SameAsGunicorn()
    {
        var (dram, reference) = await BothAsync(url => new HttpRequestMessage(HttpMethod.Get, new Uri(url + "/json/?x=1&y=%C3%A9")));

        Assert.Equal(200, dram.Status);
        Assert.Equal("é", dram.Json.GetProperty("query").GetProperty("y").GetString());
        Assert.False(dram.Json.GetProperty("secure").GetBoolean());
        Exchange.AssertSame(dram, reference);
    }

    [Theory]
    [InlineData(1000, false)]
    [InlineData(3 * 1024 * 1024 + 11, true)]
    public async Task Upload_MultipartFile_SizeAndSha256SameAsGunicorn(int length, bool onDisk)
    {
        // Above 2.5 MB Django streams the part to a temporary file: both upload handlers are used.
        var payload = DjangoSite.RandomBytes(length, seed: length);
        var (dram, reference) = await BothAsync(url => new HttpRequestMessage(HttpMethod.Post, new Uri(url + "/upload/"))
        {
            Content = new MultipartFormDataContent("dram-django-boundary")
            {
                { new StringContent("ünïcode note"), "note" },
                { new ByteArrayContent(payload) { Headers = { { "Content-Type", "application/x-test" } } }, "file", "payload.bin" },
            },
        });

        Assert.True(dram.Status == 200, dram.ToString());
        var json = dram.Json;
        Assert.Equal(length, json.GetProperty("size").GetInt32());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(payload)), json.GetProperty("sha256").GetString());
        Assert.Equal("payload.bin", json.GetProperty("name").GetString());
        Assert.Equal("application/x-test", json.GetProperty("content_type").GetString());
        Assert.Equal("ünïcode note", json.GetProperty("note").GetString());
        Assert.Equal(onDisk, json.GetProperty("on_disk").GetBoolean());
        Exchange.AssertSame(dram, reference);
    }

    [Fact]
    public async Task FileResponse_Get_ExactBytesAndHeadersSameAsGunicorn()
    {
        var (dram, reference) = await BothAsync(url => new HttpRequestMessage(HttpMethod.Get, new Uri($"{url}/files/{DjangoSite.DownloadName}")));

        Assert.Equal(200, dram.Status);
        Assert.Equal(site.Download, dram.Body);
        Assert.Equal(site.Download.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), dram.Header("Content-Length"));
        Assert.Equal($"attachment; filename=\"{DjangoSite.DownloadName}\"", dram.Header("Content-Disposition"));
        Exchange.AssertSame(dram, reference);
    }

    [Fact]
    public async Task FileResponse_Head_LengthWithoutBody()
    {
        var (dram, reference) = await BothAsync(url => new HttpRequestMessage(HttpMethod.Head, new Uri($"{url}/files/{DjangoSite.DownloadName}")));

        Assert.Empty(dram.Body);
        Assert.Equal(site.Download.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), dram.Header("Content-Length"));
        Exchange.AssertSame(dram, reference);
    }

    [Fact]
    public async Task StreamingResponse_Get_ChunkedLinesSameAsGunicorn()
    {
        var (dram, reference) = await BothAsync(url => new HttpRequestMessage(HttpMethod.Get, new Uri(url + "/stream/200/")));

        Assert.Equal(200, dram.Status);
        Assert.Equal("chunked", dram.Header("Transfer-Encoding"));
        Assert.Equal(string.Concat(Enumerable.Range(1, 200).Select(i => $"line {i} of 200\n")), Encoding.ASCII.GetString(dram.Body));
        Exchange.AssertSame(dram, reference);
    }

    [Fact]
    public async Task UnknownUrl_Get_Django404SameAsGunicorn()
    {
        var (dram, reference) = await BothAsync(url => new HttpRequestMessage(HttpMethod.Get, new Uri(url + "/nowhere/")));

        Assert.Equal(HttpStatusCode.NotFound, (HttpStatusCode)dram.Status);
        Exchange.AssertSame(dram, reference);
    }
}
