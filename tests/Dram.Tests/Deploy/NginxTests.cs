using System.Net;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Dram.Tests.Supervision;

namespace Dram.Tests.Deploy;

/// <summary>
/// The seed deployment: a real nginx proxying to dram over a Unix socket. Every request is sent
/// twice, through nginx and straight to dram's socket with the headers nginx adds, and the two
/// answers must be the same: status, content type, cookies, body. The app's view of the client
/// (REMOTE_ADDR, scheme, host) comes from nginx's headers, which a client cannot forge through it.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class NginxTests(NginxFront nginx) : IClassFixture<NginxFront>
{
    public static TheoryData<string, string, int> Requests => new()
    {
        { "GET", "/", 0 },
        { "GET", "/a/caf%C3%A9/x%20y?q=%C3%A9&b=2", 0 },
        { "HEAD", "/head", 0 },
        { "POST", "/form", 1000 },
        { "POST", "/upload", 8 << 20 },
        { "PUT", "/put", 65537 },
        { "DELETE", "/thing/1", 0 },
        { "GET", "/status/404", 0 },
        { "GET", "/status/500", 0 },
        { "GET", "/stream?n=200", 0 },
        { "GET", "/big?n=8388608", 0 },
    };

    [Theory]
    [MemberData(nameof(Requests))]
    public async Task SameAnswer_ThroughNginxAndDirect(string method, string target, int bodyLength)
    {
        var body = RandomNumberGenerator.GetBytes(bodyLength);
        using var viaNginx = new HttpClient { BaseAddress = nginx.Front };
        using var direct = BindTests.UnixClient(nginx.Socket);
        direct.BaseAddress = new Uri("http://" + nginx.Host);

        var throughNginx = await SendAsync(viaNginx, method, target, body, forwarded: false);
        var straight = await SendAsync(direct, method, target, body, forwarded: true);

        Assert.True(throughNginx.Status == straight.Status, $"nginx {throughNginx.Status} vs direct {straight.Status}\n{nginx.NginxErrors}");
        Assert.Equal(straight.ContentType, throughNginx.ContentType);
        Assert.Equal(straight.Cookies, throughNginx.Cookies);
        Assert.Equal(straight.Body, throughNginx.Body);
        if (target.StartsWith("/status/", StringComparison.Ordinal))
        {
            Assert.Equal(["a=1", "b=2"], throughNginx.Cookies);
        }
    }

    [Fact]
    public async Task Echo_SeesTheClientTheSchemeAndTheHost()
    {
        using var http = new HttpClient { BaseAddress = nginx.Front };
        var seen = await EchoAsync(http, "/who?x=1");
        Assert.Equal("127.0.0.1", seen.GetProperty("remote_addr").GetString());
        Assert.Equal("http", seen.GetProperty("scheme").GetString());
        Assert.Equal(nginx.Host, seen.GetProperty("host").GetString());
        Assert.Equal("/who", seen.GetProperty("path").GetString());
        Assert.Equal("x=1", seen.GetProperty("query").GetString());
        Assert.Equal("HTTP/1.1", seen.GetProperty("protocol").GetString());
    }

    [Fact]
    public async Task ForgedForwardingHeaders_ThroughNginx_DoNotReachTheApp()
    {
        using var http = new HttpClient { BaseAddress = nginx.Front };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/forged");
        request.Headers.TryAddWithoutValidation("X-Forwarded-For", "6.6.6.6");
        request.Headers.TryAddWithoutValidation("X-Forwarded-Proto", "https");
        request.Headers.TryAddWithoutValidation("Forwarded", "for=7.7.7.7;proto=https");
        using var response = await http.SendAsync(request);
        var seen = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("127.0.0.1", seen.GetProperty("remote_addr").GetString());
        Assert.Equal("http", seen.GetProperty("scheme").GetString());
    }

    [Fact]
    public async Task ChunkedUpload_ArrivesWhole()
    {
        var body = RandomNumberGenerator.GetBytes(3 << 20);
        using var http = new HttpClient { BaseAddress = nginx.Front };
        using var content = new StreamContent(new MemoryStream(body));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/chunked") { Content = content };
        request.Headers.TransferEncodingChunked = true;
        using var response = await http.SendAsync(request);
        var seen = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(body.Length, seen.GetProperty("body_length").GetInt32());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(body)), seen.GetProperty("body_sha256").GetString());
    }

    [Fact]
    public async Task ManyConcurrentRequests_AllAnswered()
    {
        using var http = new HttpClient { BaseAddress = nginx.Front };
        var answers = await Task.WhenAll(Enumerable.Range(0, 200).Select(async i =>
        {
            var seen = await EchoAsync(http, "/n?i=" + i);
            return seen.GetProperty("query").GetString();
        }));
        Assert.Equal(Enumerable.Range(0, 200).Select(i => "i=" + i), answers);
    }

    [Fact]
    public async Task WebSocket_ThroughNginx_ToTheMountedAsgiApp()
    {
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri($"ws://{nginx.Host}/ws/echo"), CancellationToken.None);
        foreach (var text in new[] { "hello", new string('x', 100_000), "scope" })
        {
            await socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
            var received = await ReceiveTextAsync(socket);
            if (text != "scope")
            {
                Assert.Equal(text, received);
                continue;
            }

            var seen = JsonDocument.Parse(received).RootElement;
            Assert.Equal("websocket", seen.GetProperty("type").GetString());
            Assert.Equal("/ws", seen.GetProperty("root_path").GetString());
            Assert.Equal("/echo", seen.GetProperty("path").GetString());
            Assert.Equal("ws", seen.GetProperty("scheme").GetString());
            Assert.Equal("127.0.0.1", seen.GetProperty("client").GetString());
        }

        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, socket.CloseStatus);
    }

    [Fact]
    public async Task MountedAsgiApp_AndWsgiApp_SideBySide()
    {
        using var http = new HttpClient { BaseAddress = nginx.Front };
        var asgi = JsonDocument.Parse(await http.GetStringAsync(new Uri("/ws/plain", UriKind.Relative))).RootElement;
        Assert.Equal("http", asgi.GetProperty("type").GetString());
        Assert.Equal("/ws", asgi.GetProperty("root_path").GetString());
        Assert.Equal("/plain", asgi.GetProperty("path").GetString());

        // Whole segments only: /wsx is the WSGI app's.
        var wsgi = await EchoAsync(http, "/wsx");
        Assert.Equal("/wsx", wsgi.GetProperty("path").GetString());
        Assert.Equal("", wsgi.GetProperty("script_name").GetString());
    }

    private static async Task<string> ReceiveTextAsync(ClientWebSocket socket)
    {
        var buffer = new byte[1 << 20];
        var length = 0;
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer.AsMemory(length), CancellationToken.None);
            Assert.Equal(WebSocketMessageType.Text, result.MessageType);
            length += result.Count;
            if (result.EndOfMessage)
            {
                return Encoding.UTF8.GetString(buffer, 0, length);
            }
        }
    }

    private static async Task<JsonElement> EchoAsync(HttpClient http, string target)
    {
        using var response = await http.GetAsync(new Uri(target, UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
    }

    private async Task<Answer> SendAsync(HttpClient http, string method, string target, byte[] body, bool forwarded)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(target, UriKind.Relative));
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue("dram-test", "1"));
        if (body.Length > 0)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        }

        if (forwarded)
        {
            // What dram-proxy.conf makes nginx send.
            request.Headers.Host = nginx.Host;
            request.Headers.TryAddWithoutValidation("X-Forwarded-For", "127.0.0.1");
            request.Headers.TryAddWithoutValidation("X-Forwarded-Proto", "http");
        }

        using var response = await http.SendAsync(request);
        var cookies = response.Headers.TryGetValues("Set-Cookie", out var values) ? values.ToArray() : [];
        var text = Encoding.Latin1.GetString(await response.Content.ReadAsByteArrayAsync());
        return new Answer((int)response.StatusCode, response.Content.Headers.ContentType?.ToString(), cookies, text);
    }

    private sealed record Answer(int Status, string? ContentType, string[] Cookies, string Body);
}
