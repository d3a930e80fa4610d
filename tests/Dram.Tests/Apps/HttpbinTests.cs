using System.IO.Compression;
using System.Text;
using Dram.Tests.Support;

namespace Dram.Tests.Apps;

public sealed class HttpbinUnderGunicorn() : GunicornServer(HttpbinTests.App);

/// <summary>
/// httpbin (Debian's python3-httpbin, a Flask app that reports what it received) under Dram and
/// gunicorn. Its answers echo the URL and Host, which carry each server's own port: those are
/// normalised (<see cref="Captured.Normalise"/>) before comparing.
/// </summary>
[Collection(UsesPython.Name)]
public sealed class HttpbinTests(PythonFixture python, HttpbinUnderGunicorn gunicorn) : IClassFixture<HttpbinUnderGunicorn>
{
    public const string App = "httpbin:app";

    private async Task<(Captured Dram, Captured Gunicorn)> BothAsync(Func<string, HttpRequestMessage> request) =>
        await Exchange.BothAsync(python.Http, await python.UrlAsync(App), gunicorn.Url, request);

    private Task<(Captured Dram, Captured Gunicorn)> GetBothAsync(string pathAndQuery, params (string Name, string Value)[] headers) =>
        BothAsync(url =>
        {
            var request = new HttpRequestMessage(HttpMethod.Get, new Uri(url + pathAndQuery));
            foreach (var (name, value) in headers)
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }

            return request;
        });

    /// <summary>
    /// Same status and headers (Content-Length aside: it counts the echoed port) and the same JSON
    /// once each server's host:port is normalised; each Content-Length still matches its body.
    /// </summary>
    private static void AssertSameJson(Captured dram, Captured gunicorn)
    {
        Exchange.AssertSameHead(dram, gunicorn, "Content-Length");
        Assert.Equal(dram.Body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), dram.Header("Content-Length"));
        JsonCompare.AssertEquivalent(gunicorn.NormalisedBody, dram.NormalisedBody);
    }

    [Fact]
    public async Task Get_ArgsAndHeaders_EchoedSameAsGunicorn()
    {
        var (dram, reference) = await GetBothAsync("/get?a=1&a=2&q=caf%C3%A9+au+lait", ("X-Custom", "v1"), ("X-Custom", "v2"), ("Accept-Language", "fr"));

        Assert.Equal(200, dram.Status);
        var json = dram.Json;
        Assert.Equal("café au lait", json.GetProperty("args").GetProperty("q").GetString());
        Assert.Equal(2, json.GetProperty("args").GetProperty("a").GetArrayLength());
        // HttpClient sends both values on one line.
        Assert.Equal("v1, v2", json.GetProperty("headers").GetProperty("X-Custom").GetString());
        Assert.Equal("127.0.0.1", json.GetProperty("origin").GetString());
        AssertSameJson(dram, reference);
    }

    [Fact]
    public async Task Headers_RepeatedFieldLines_JoinedSameAsGunicorn()
    {
        // Two field lines of one header (a raw socket: HttpClient would send one line). Both
        // servers join them with "," (PEP 3333 leaves it to the server; RFC 9110 §5.3 allows it).
        var values = new List<string>();
        foreach (var url in new[] { await python.UrlAsync(App), gunicorn.Url })
        {
            await using var connection = await RawConnection.OpenAsync(url);
            await connection.SendAsync($"GET /headers HTTP/1.1\r\nHost: {RawConnection.HostOf(url)}\r\nX-Multi: one\r\nX-Multi: two\r\nConnection: close\r\n\r\n");
            var response = await connection.ReadResponseAsync();
            Assert.Equal(200, response.StatusCode);
            values.Add(AppControl.Json(response.BodyText).GetProperty("headers").GetProperty("X-Multi").GetString()!);
        }

        Assert.Equal(["one,two", "one,two"], values);
    }

    [Fact]
    public async Task Cookies_TwoCookieFieldLines_BothParsedUnlikeGunicorn()
    {
        // Two Cookie lines (as an HTTP/2 proxy may forward them). Dram joins them with "; " so
        // the cookie parser sees two cookies; gunicorn 20 joins with "," like any other header,
        // and Werkzeug then reads one cookie a="1,b=2".
        var seen = new List<string>();
        foreach (var url in new[] { await python.UrlAsync(App), gunicorn.Url })
        {
            foreach (var path in new[] { "/headers", "/cookies" })
            {
                await using var connection = await RawConnection.OpenAsync(url);
                await connection.SendAsync($"GET {path} HTTP/1.1\r\nHost: {RawConnection.HostOf(url)}\r\nCookie: a=1\r\nCookie: b=2\r\nConnection: close\r\n\r\n");
                var response = await connection.ReadResponseAsync();
                Assert.Equal(200, response.StatusCode);
                seen.Add(response.BodyText);
            }
        }

        var dramHeader = AppControl.Json(seen[0]).GetProperty("headers").GetProperty("Cookie").GetString();
        var dramCookies = AppControl.Json(seen[1]).GetProperty("cookies");
        var gunicornHeader = AppControl.Json(seen[2]).GetProperty("headers").GetProperty("Cookie").GetString();
        var gunicornCookies = AppControl.Json(seen[3]).GetProperty("cookies");
        Assert.Equal("a=1; b=2", dramHeader);
        Assert.Equal("1", dramCookies.GetProperty("a").GetString());
        Assert.Equal("2", dramCookies.GetProperty("b").GetString());
        Assert.Equal("a=1,b=2", gunicornHeader);
        Assert.Equal("1,b=2", gunicornCookies.GetProperty("a").GetString());
        Assert.False(gunicornCookies.TryGetProperty("b", out _));
    }

    [Fact]
    public async Task Headers_Get_SameSetAsGunicorn()
    {
        var (dram, reference) = await GetBothAsync("/headers", ("X-Trace", "abc"), ("Cookie", "a=1"), ("Cookie", "b=2"));

        Assert.Equal("abc", dram.Json.GetProperty("headers").GetProperty("X-Trace").GetString());
        AssertSameJson(dram, reference);
    }

    [Fact]
    public async Task Post_UrlencodedForm_SameAsGunicorn()
    {
        var (dram, reference) = await BothAsync(url => new HttpRequestMessage(HttpMethod.Post, new Uri(url + "/post?x=1"))
        {
            Content = new FormUrlEncodedContent([new("field", "välue 1"), new("field", "two"), new("empty", "")]),
        });

        Assert.Equal(200, dram.Status);
        Assert.Equal("välue 1", dram.Json.GetProperty("form").GetProperty("field")[0].GetString());
        AssertSameJson(dram, reference);
    }

    [Fact]
    public async Task Post_Json_ParsedSameAsGunicorn()
    {
        var (dram, reference) = await BothAsync(url => new HttpRequestMessage(HttpMethod.Post, new Uri(url + "/post"))
        {
            // A StringContent has a length; JsonContent would be sent chunked (see the chunked test).
            Content = new StringContent("""{"n": 3, "s": "\u00fc", "list": [1, 2]}""", Encoding.UTF8, "application/json"),
        });

        Assert.Equal("ü", dram.Json.GetProperty("json").GetProperty("s").GetString());
        AssertSameJson(dram, reference);
    }

    [Fact]
    public async Task Post_MultipartFile_SameAsGunicorn()
    {
        var (dram, reference) = await BothAsync(url =>
        {
            var form = new MultipartFormDataContent("dram-boundary-1234")
            {
                { new StringContent("a note"), "note" },
                { new ByteArrayContent(Encoding.ASCII.GetBytes("file body\r\nline 2")), "upload", "a.txt" },
            };
            return new HttpRequestMessage(HttpMethod.Post, new Uri(url + "/post")) { Content = form };
        });

        Assert.Equal("file body\r\nline 2", dram.Json.GetProperty("files").GetProperty("upload").GetString());
        AssertSameJson(dram, reference);
    }

    [Fact]
    public async Task Post_ChunkedBody_HttpbinRefusesItUnlessServerIsGunicorn()
    {
        // httpbin itself answers 501 to a chunked request body unless SERVER_SOFTWARE starts with
        // "gunicorn/" (a work-around for old servers, in httpbin's before_request). Dram reads
        // chunked bodies fine (Wsgi/InputTests), but says it is Dram: a known app-side difference.
        var (dram, reference) = await BothAsync(url => new HttpRequestMessage(HttpMethod.Post, new Uri(url + "/post"))
        {
            Content = new StreamContent(new MemoryStream(Encoding.ASCII.GetBytes("a=b"))) { Headers = { { "Content-Type", "application/x-www-form-urlencoded" } } },
            Headers = { TransferEncodingChunked = true },
        });

        Assert.Equal(200, reference.Status);
        Assert.Equal("b", reference.Json.GetProperty("form").GetProperty("a").GetString());
        Assert.Equal(501, dram.Status);
        Assert.Contains("Chunked requests are not supported for server dram/", dram.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status418_Get_TeapotSameAsGunicorn()
    {
        var (dram, reference) = await GetBothAsync("/status/418");

        Assert.Equal(418, dram.Status);
        Assert.Contains("teapot", dram.Text, StringComparison.Ordinal);
        Exchange.AssertSame(dram, reference);
    }

    [Fact]
    public async Task Gzip_Get_DecompressesToSameJson()
    {
        // The gzip header holds a timestamp, so compare what it decompresses to.
        var (dram, reference) = await GetBothAsync("/gzip", ("Accept-Encoding", "gzip"));

        Assert.Equal("gzip", dram.Header("Content-Encoding"));
        Exchange.AssertSameHead(dram, reference, "Content-Length");
        Assert.Equal(dram.Body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), dram.Header("Content-Length"));
        var json = Gunzip(dram);
        Assert.Contains("\"gzipped\":true", json, StringComparison.Ordinal);
        JsonCompare.AssertEquivalent(reference.Normalise(Gunzip(reference)), dram.Normalise(json));
    }

    private static string Gunzip(Captured response)
    {
        using var gzip = new GZipStream(new MemoryStream(response.Body), CompressionMode.Decompress);
        using var reader = new StreamReader(gzip, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    [Fact]
    public async Task Stream5_Get_FiveChunkedJsonLinesSameAsGunicorn()
    {
        var (dram, reference) = await GetBothAsync("/stream/5");

        Assert.Equal("chunked", dram.Header("Transfer-Encoding"));
        Exchange.AssertSameHead(dram, reference);
        var dramLines = dram.NormalisedBody.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var gunicornLines = reference.NormalisedBody.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(5, dramLines.Length);
        Assert.Equal(5, gunicornLines.Length);
        foreach (var (g, d) in gunicornLines.Zip(dramLines))
        {
            JsonCompare.AssertEquivalent(g, d);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(100 * 1024)]
    public async Task Bytes_Seeded_SameBytesAsGunicorn(int count)
    {
        var (dram, reference) = await GetBothAsync($"/bytes/{count}?seed=42");

        Assert.Equal(count, dram.Body.Length);
        Exchange.AssertSame(dram, reference);
    }

    [Fact]
    public async Task Redirect2_FollowedByHand_SameChainAsGunicorn()
    {
        var path = "/redirect/2";
        var hops = new List<string>();
        for (var hop = 0; hop < 3; hop++)
        {
            var (dram, reference) = await GetBothAsync(path);
            Exchange.AssertSame(dram, reference);
            if (dram.Status != 302)
            {
                Assert.Equal(200, dram.Status);
                break;
            }

            path = dram.Header("Location")!;
            hops.Add(path);
        }

        Assert.Equal(["/relative-redirect/1", "/get"], hops);
    }

    [Fact]
    public async Task ResponseHeaders_RepeatedQuery_SentAsRepeatedHeaders()
    {
        var (dram, reference) = await GetBothAsync("/response-headers?X-Test=Y&X-Test=Z&Cache-Control=no-store");

        Assert.Equal(["Y", "Z"], dram.All("X-Test"));
        Assert.Equal("no-store", dram.Header("Cache-Control"));
        Exchange.AssertSame(dram, reference);
    }

    [Fact]
    public async Task ResponseHeaders_NonLatin1Value_Dram500GunicornEmptyReply()
    {
        // The app puts "€" in a header value. Dram's start_response refuses it (ValueError, logged)
        // and, as the app does not recover, answers 500. gunicorn 20 accepts it, then fails to
        // encode it when writing and closes the connection without any response.
        var from = python.Log.Position;
        var answers = new List<RawResponse?>();
        foreach (var url in new[] { await python.UrlAsync(App), gunicorn.Url })
        {
            await using var connection = await RawConnection.OpenAsync(url);
            await connection.SendAsync($"GET /response-headers?X-Euro=%E2%82%AC HTTP/1.1\r\nHost: {RawConnection.HostOf(url)}\r\nConnection: close\r\n\r\n");
            answers.Add(await connection.WaitForDataAsync(RawConnection.DefaultTimeout) && !connection.SawEof
                ? await connection.ReadResponseAsync()
                : null);
        }

        Assert.Equal(500, answers[0]?.StatusCode);
        Assert.DoesNotContain("€", answers[0]!.BodyText, StringComparison.Ordinal);
        Assert.True(await python.Log.WaitForAsync("invalid value for response header X-Euro", from), python.Log.Since(from));
        Assert.Null(answers[1]);
    }

    [Fact]
    public async Task ResponseHeaders_Order_SameNameKeptOtherNamesReordered()
    {
        // /range sets Content-Type, ETag, Accept-Ranges, Content-Length, Content-Range, then the
        // CORS pair Origin, Credentials. gunicorn writes them in that order; Kestrel keeps the
        // headers it knows in its own fixed order, so Dram does not keep the app's order across
        // different names (RFC 9110 §5.3 gives it no meaning), only among values of one name.
        var order = new List<string>();
        foreach (var url in new[] { await python.UrlAsync(App), gunicorn.Url })
        {
            await using var connection = await RawConnection.OpenAsync(url);
            await connection.SendAsync($"GET /range/30 HTTP/1.1\r\nHost: {RawConnection.HostOf(url)}\r\nConnection: close\r\n\r\n");
            var response = await connection.ReadResponseAsync();
            string[] ignored = ["date", "server", "connection"];
            order.Add(string.Join(',', response.Headers.Select(h => h.Key.ToLowerInvariant()).Where(n => !ignored.Contains(n))));
        }

        Assert.Equal("content-type,etag,accept-ranges,content-length,content-range,access-control-allow-origin,access-control-allow-credentials", order[1]);
        Assert.NotEqual(order[1], order[0]);
        Assert.Equal(order[1].Split(',').Order(StringComparer.Ordinal), order[0].Split(',').Order(StringComparer.Ordinal));
    }
}
