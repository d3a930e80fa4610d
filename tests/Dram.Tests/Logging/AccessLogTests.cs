using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Dram.Server;
using Dram.Tests.Support;

namespace Dram.Tests.Logging;

/// <summary>--access-log against a live server: gunicorn's layout, every atom, JSON lines, errors, ASGI.</summary>
[Collection(UsesPython.Name)]
public sealed partial class AccessLogTests(PythonFixture python) : IDisposable
{
    private readonly string _file = Path.Combine(Path.GetTempPath(), $"dram-access-{Environment.ProcessId}-{Guid.NewGuid():N}.log");

    public void Dispose() => File.Delete(_file);

    [Fact]
    public async Task DefaultFormat_GetWithQueryRefererAgentAndBasicAuth_GunicornLayout()
    {
        await using (var server = await StartAsync("wsgi_response:app"))
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"{server.Url}/gen?n=2&size=10"));
            request.Headers.Referrer = new Uri("http://ref.example/page");
            request.Headers.UserAgent.ParseAdd("dram-test-agent/1.0");
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("alice:secret")));
            using var response = await python.Http.SendAsync(request);
            Assert.Equal(20, (await response.Content.ReadAsByteArrayAsync()).Length);
            Assert.True(response.Headers.TransferEncodingChunked); // a generator: chunked, so B is counted, not read from a header

            var line = Assert.Single(await WaitForLinesAsync(1));
            Assert.Matches(DefaultLine(), line);
            var time = DefaultLine().Match(line).Groups["t"].Value;
            var logged = DateTimeOffset.ParseExact(time[..^2] + ":" + time[^2..], "dd/MMM/yyyy:HH:mm:ss zzz", CultureInfo.InvariantCulture);
            Assert.InRange(DateTimeOffset.Now - logged, TimeSpan.FromSeconds(-1), TimeSpan.FromSeconds(30));
        }
    }

    [Fact]
    public async Task DefaultFormat_NoRefererNoAgent_Dashes()
    {
        await using var server = await StartAsync("wsgi_response:app");
        using var response = await python.Http.GetAsync(new Uri($"{server.Url}/cl-exact"));

        var line = Assert.Single(await WaitForLinesAsync(1));
        Assert.Matches(@"^127\.0\.0\.1 - - \[[^\]]+\] ""GET /cl-exact HTTP/1\.1"" 200 \d+ ""-"" ""-""$", line);
    }

    [Fact]
    public async Task CustomFormat_EveryAtom()
    {
        const string format = "h=%(h)s|l=%(l)s|u=%(u)s|t=%(t)s|r=%(r)s|m=%(m)s|U=%(U)s|q=%(q)s|H=%(H)s|s=%(s)s|B=%(B)s|b=%(b)s|" +
            "f=%(f)s|a=%(a)s|T=%(T)s|M=%(M)s|D=%(D)s|L=%(L)s|p=%(p)s|foo=%({x-foo}i)s|ct=%({content-type}o)s|none=%({x-none}i)s|pct=%%";
        await using var server = await StartAsync("wsgi_response:app", o => o.AccessLogFormat = format);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"{server.Url}/slow?s=0.2"));
        request.Headers.Add("X-Foo", "bar \"quoted\"");
        request.Headers.Referrer = new Uri("http://ref.example/");
        request.Headers.UserAgent.ParseAdd("agent/2");
        using var response = await python.Http.SendAsync(request);
        var body = await response.Content.ReadAsByteArrayAsync();

        var line = Assert.Single(await WaitForLinesAsync(1));
        var atoms = line.Split('|').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        Assert.Equal("127.0.0.1", atoms["h"]);
        Assert.Equal("-", atoms["l"]);
        Assert.Equal("-", atoms["u"]);
        Assert.Matches(@"^\[\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}\]$", atoms["t"]);
        Assert.Equal("GET /slow?s=0.2 HTTP/1.1", atoms["r"]);
        Assert.Equal("GET", atoms["m"]);
        Assert.Equal("/slow", atoms["U"]);
        Assert.Equal("s=0.2", atoms["q"]);
        Assert.Equal("HTTP/1.1", atoms["H"]);
        Assert.Equal("200", atoms["s"]);
        Assert.Equal(body.Length.ToString(CultureInfo.InvariantCulture), atoms["B"]);
        Assert.Equal(atoms["B"], atoms["b"]);
        Assert.Equal("http://ref.example/", atoms["f"]);
        Assert.Equal("agent/2", atoms["a"]);
        Assert.Equal($"<{Environment.ProcessId}>", atoms["p"]);
        Assert.Equal("bar \\\"quoted\\\"", atoms["foo"]); // gunicorn's escaping of double quotes
        Assert.Equal(response.Content.Headers.ContentType!.ToString(), atoms["ct"]);
        Assert.Equal("-", atoms["none"]);
        Assert.Equal("%", atoms["pct"]);

        // The request time, four ways, all from one measurement; the app slept 0.2 s.
        var micros = long.Parse(atoms["D"], CultureInfo.InvariantCulture);
        Assert.InRange(micros, 200_000, 20_000_000);
        Assert.Equal(micros / 1000, long.Parse(atoms["M"], CultureInfo.InvariantCulture));
        Assert.Equal(micros / 1_000_000, long.Parse(atoms["T"], CultureInfo.InvariantCulture));
        Assert.Equal($"{micros / 1_000_000}.{micros % 1_000_000:000000}", atoms["L"]);
    }

    [Fact]
    public async Task Json_OneObjectPerLine_FixedKeys()
    {
        await using var server = await StartAsync("wsgi_response:app", o => o.AccessLogJson = true);
        using (var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"{server.Url}/gen?n=3&size=7")))
        {
            request.Headers.UserAgent.ParseAdd("json-agent/1");
            using var response = await python.Http.SendAsync(request);
            await response.Content.ReadAsByteArrayAsync();
        }

        using (var response = await python.Http.GetAsync(new Uri($"{server.Url}/no-such-route")))
        {
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }

        var lines = await WaitForLinesAsync(2);
        string[] keys = ["remote_addr", "time", "method", "path", "query", "protocol", "status", "bytes", "duration_ms", "referer", "user_agent", "pid"];
        using var first = JsonDocument.Parse(lines[0]);
        using var second = JsonDocument.Parse(lines[1]);
        Assert.Equal(keys, first.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal(keys, second.RootElement.EnumerateObject().Select(p => p.Name));

        var get = first.RootElement;
        Assert.Equal("127.0.0.1", get.GetProperty("remote_addr").GetString());
        var time = DateTimeOffset.Parse(get.GetProperty("time").GetString()!, CultureInfo.InvariantCulture);
        Assert.InRange(DateTimeOffset.Now - time, TimeSpan.FromSeconds(-1), TimeSpan.FromSeconds(30));
        Assert.Equal("GET", get.GetProperty("method").GetString());
        Assert.Equal("/gen", get.GetProperty("path").GetString());
        Assert.Equal("n=3&size=7", get.GetProperty("query").GetString());
        Assert.Equal("HTTP/1.1", get.GetProperty("protocol").GetString());
        Assert.Equal(200, get.GetProperty("status").GetInt32());
        Assert.Equal(21, get.GetProperty("bytes").GetInt64());
        Assert.InRange(get.GetProperty("duration_ms").GetDouble(), 0.0, 20_000.0);
        Assert.Equal(JsonValueKind.Null, get.GetProperty("referer").ValueKind);
        Assert.Equal("json-agent/1", get.GetProperty("user_agent").GetString());
        Assert.Equal(Environment.ProcessId, get.GetProperty("pid").GetInt32());

        var missing = second.RootElement;
        Assert.Equal(404, missing.GetProperty("status").GetInt32());
        Assert.Equal("", missing.GetProperty("query").GetString());
    }

    [Fact]
    public async Task Errors_500And404_EachLogged()
    {
        await using var server = await StartAsync("wsgi_errors:app", o => o.AccessLogFormat = "%(s)s %(U)s %(b)s");
        using (var response = await python.Http.GetAsync(new Uri($"{server.Url}/raise-before")))
        {
            Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        }

        using (var response = await python.Http.GetAsync(new Uri($"{server.Url}/missing")))
        {
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }

        var lines = await WaitForLinesAsync(2);
        Assert.Matches(@"^500 /raise-before \d+$", lines[0]);
        Assert.Equal($"404 /missing {"no route /missing".Length}", lines[1]);
    }

    [Fact]
    public async Task Asgi_StreamedAndStatusResponses_Logged()
    {
        await using var server = await StartAsync("asgi_response:app", o => o.AccessLogFormat = "%(m)s %(U)s %(q)s %(s)s %(B)s %(b)s %({content-type}o)s");
        using (var response = await python.Http.GetAsync(new Uri($"{server.Url}/stream?chunks=3")))
        {
            Assert.Equal("chunk-0;chunk-1;chunk-2;", await response.Content.ReadAsStringAsync());
        }

        using (var response = await python.Http.GetAsync(new Uri($"{server.Url}/status?code=418")))
        {
            Assert.Equal((HttpStatusCode)418, response.StatusCode);
        }

        var lines = await WaitForLinesAsync(2);
        Assert.Equal("GET /stream chunks=3 200 24 24 text/plain", lines[0]);
        Assert.Equal("GET /status code=418 418 10 10 text/plain", lines[1]);
    }

    [Fact]
    public async Task Concurrent_LinesNeverInterleave()
    {
        await using var server = await StartAsync("wsgi_response:app", o => o.AccessLogJson = true);
        var requests = Enumerable.Range(0, 40).Select(async i =>
        {
            using var response = await python.Http.GetAsync(new Uri($"{server.Url}/gen?n=1&size={i + 1}"));
            await response.Content.ReadAsByteArrayAsync();
        });
        await Task.WhenAll(requests);

        var lines = await WaitForLinesAsync(40);
        var sizes = lines.Select(l =>
        {
            using var json = JsonDocument.Parse(l);
            return json.RootElement.GetProperty("bytes").GetInt64();
        }).Order();
        Assert.Equal(Enumerable.Range(1, 40).Select(i => (long)i), sizes);
    }

    [Fact]
    public async Task Off_NoFileWritten()
    {
        await using var server = await OwnServer.StartAsync(python, "wsgi_response:app", _ => { });
        using var response = await python.Http.GetAsync(new Uri($"{server.Url}/cl-exact"));

        Assert.False(File.Exists(_file));
    }

    private Task<OwnServer> StartAsync(string app, Action<DramServerOptions>? configure = null) =>
        OwnServer.StartAsync(python, app, o =>
        {
            o.AccessLog = _file;
            configure?.Invoke(o);
        });

    /// <summary>The file's lines once there are <paramref name="count"/> (a line follows the response by a moment).</summary>
    private async Task<string[]> WaitForLinesAsync(int count)
    {
        var deadline = DateTime.UtcNow + LogCapture.DefaultWait;
        while (true)
        {
            var lines = File.Exists(_file) ? File.ReadAllText(_file).Split('\n', StringSplitOptions.RemoveEmptyEntries) : [];
            if (lines.Length >= count || DateTime.UtcNow > deadline)
            {
                Assert.Equal(count, lines.Length);
                return lines;
            }

            await Task.Delay(20);
        }
    }

    [GeneratedRegex(@"^127\.0\.0\.1 - alice \[(?<t>\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4})\] ""GET /gen\?n=2&size=10 HTTP/1\.1"" 200 20 ""http://ref\.example/page"" ""dram-test-agent/1\.0""$")]
    private static partial Regex DefaultLine();
}
