using System.Net;
using System.Net.WebSockets;
using System.Text;
using Dram.Server;
using Dram.Tests.Support;

namespace Dram.Tests.Tls;

/// <summary>
/// WebSockets over HTTP/2 (RFC 8441 extended CONNECT), which Kestrel advertises on every HTTP/2
/// connection and browsers use when it does: an ASGI app sees an ordinary websocket scope.
/// </summary>
[Collection(UsesPython.Name)]
public sealed class WebSocketOverHttp2Tests(PythonFixture python) : IDisposable
{
    private readonly TestCertificates _certificates = new();

    public void Dispose() => _certificates.Dispose();

    [Theory]
    [InlineData("127.0.0.1:0", "wss")]
    [InlineData("h2c://127.0.0.1:0", "ws")]
    public async Task ExtendedConnect_EchoesMessages(string bind, string scheme)
    {
        await using var server = await OwnServer.StartAsync(python, "asgi_ws:app", options =>
        {
            options.Binds.Clear();
            options.Binds.Add(bind);
            options.CertFile = _certificates.ServerCert;
            options.KeyFile = _certificates.ServerKey;
        });
        using var http = TlsClients.Create(_certificates, HttpVersion.Version20);
        using var socket = new ClientWebSocket();
        socket.Options.HttpVersion = HttpVersion.Version20;
        socket.Options.HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        socket.Options.CollectHttpResponseDetails = true;
        var url = new Uri($"{scheme}://{new Uri(server.Url).Authority}/echo?id=h2");
        using var timeout = new CancellationTokenSource(TlsClients.Timeout);

        await socket.ConnectAsync(url, http, timeout.Token);
        await socket.SendAsync(Encoding.UTF8.GetBytes("over h2"), WebSocketMessageType.Text, true, timeout.Token);
        var buffer = new byte[1024];
        var received = await socket.ReceiveAsync(buffer, timeout.Token);

        // 200, not HTTP/1.1's 101: the handshake was an HTTP/2 stream (RFC 8441 §5).
        Assert.Equal(HttpStatusCode.OK, socket.HttpStatusCode);
        Assert.Equal("over h2", Encoding.UTF8.GetString(buffer, 0, received.Count));
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", timeout.Token);
    }
}
