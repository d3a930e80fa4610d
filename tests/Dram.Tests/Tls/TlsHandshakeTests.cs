using System.Net;
using System.Security.Authentication;
using Dram.Server;
using Dram.Server.Hosting;
using Dram.Tests.Supervision;
using Dram.Tests.Support;

namespace Dram.Tests.Tls;

/// <summary>TLS versions, client certificates and which binds get TLS, against a live in-process server.</summary>
[Collection(UsesPython.Name)]
public sealed class TlsHandshakeTests(PythonFixture python) : IDisposable
{
    private readonly TestCertificates _certificates = new();

    public void Dispose() => _certificates.Dispose();

    private Task<OwnServer> StartAsync(Action<DramServerOptions>? configure = null) =>
        OwnServer.StartAsync(python, "wsgi_echo:app", options =>
        {
            options.CertFile = _certificates.ServerCert;
            options.KeyFile = _certificates.ServerKey;
            configure?.Invoke(options);
        });

    [Theory]
    [InlineData(SslProtocols.Tls12)]
    [InlineData(SslProtocols.Tls13)]
    public async Task ClientLimitedToOneVersion_HandshakeSucceedsWithHttp2(SslProtocols protocol)
    {
        await using var server = await StartAsync();
        using var client = TlsClients.Create(_certificates, HttpVersion.Version20, protocol);

        var (echo, version) = await TlsClients.EchoAsync(client, server.Url + "/");

        Assert.Equal(HttpVersion.Version20, version);
        Assert.Equal("HTTP/2", echo.Environ("SERVER_PROTOCOL"));
    }

    [Fact]
    public async Task Tls11Client_RefusedWithProtocolVersionAlert()
    {
        await using var server = await StartAsync();
        var url = server.Url.Replace("127.0.0.1", "localhost", StringComparison.Ordinal);

        // curl with OpenSSL offers TLS 1.0-1.1 only; the server's alert proves the server refused,
        // not the client (OpenSSL 3 still sends these versions when asked explicitly).
        var curl = await ChildProcess.RunAsync("curl", ["-sS", "--tlsv1.0", "--tls-max", "1.1", "--ciphers", "DEFAULT@SECLEVEL=0", "--cacert", _certificates.CaCert, url + "/"], _certificates.Directory);

        Assert.Equal(35, curl.ExitCode); // CURLE_SSL_CONNECT_ERROR
        Assert.Contains("alert protocol version", curl.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CertfileHoldingTheKey_NoKeyfileNeeded()
    {
        await using var server = await StartAsync(o =>
        {
            o.CertFile = _certificates.ServerCertAndKey;
            o.KeyFile = null;
        });
        using var client = TlsClients.Create(_certificates, HttpVersion.Version20);

        var (echo, _) = await TlsClients.EchoAsync(client, server.Url + "/");

        Assert.Equal("https", echo.Environ("wsgi.url_scheme"));
    }

    [Fact]
    public async Task UnixBind_WithCertfile_StaysCleartextHttp11()
    {
        var path = Path.Combine(_certificates.Directory, "dram.sock");
        await using var server = await StartAsync(o =>
        {
            o.Binds.Clear();
            o.Binds.Add("unix:" + path);
        });
        using var client = BindTests.UnixClient(path);

        var (echo, version) = await TlsClients.EchoAsync(client, "http://localhost/");

        Assert.Equal(HttpVersion.Version11, version);
        Assert.Equal("http", echo.Environ("wsgi.url_scheme"));
    }

    [Fact]
    public async Task ListenHandleMarkedHttps_WithoutCertificate_UsageError()
    {
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        socket.Listen();
        var fd = (int)socket.SafeHandle.DangerousGetHandle();
        var options = python.CreateOptions("wsgi_echo:app");
        options.ListenHandles.Add(fd);
        options.ListenHandleProtocols[fd] = ListenProtocol.Https;

        var error = await Assert.ThrowsAsync<DramStartupException>(() => DramServer.StartAsync(options));

        Assert.Equal(ExitCodes.Usage, error.ExitCode);
        Assert.Contains("no certificate file is set", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ClientCertificates.Required, "none", false)]
    [InlineData(ClientCertificates.Required, "trusted", true)]
    [InlineData(ClientCertificates.Required, "untrusted", false)]
    [InlineData(ClientCertificates.Optional, "none", true)]
    [InlineData(ClientCertificates.Optional, "trusted", true)]
    [InlineData(ClientCertificates.Optional, "untrusted", false)]
    [InlineData(ClientCertificates.None, "untrusted", true)]
    public async Task ClientCertificate_AcceptedOnlyWhenItChainsToCaCerts(ClientCertificates mode, string presented, bool served)
    {
        await using var server = await StartAsync(o =>
        {
            o.CertReqs = mode;
            o.CaCerts = mode == ClientCertificates.None ? null : _certificates.CaCert;
        });
        using var certificate = presented switch
        {
            "trusted" => TestCertificates.LoadClient(_certificates.ClientCert, _certificates.ClientKey),
            "untrusted" => TestCertificates.LoadClient(_certificates.UntrustedClientCert, _certificates.UntrustedClientKey),
            _ => null,
        };
        using var client = TlsClients.Create(_certificates, HttpVersion.Version20, clientCertificate: certificate);

        if (served)
        {
            var (echo, _) = await TlsClients.EchoAsync(client, server.Url + "/");
            Assert.Equal("HTTP/2", echo.Environ("SERVER_PROTOCOL"));
        }
        else
        {
            // TLS 1.3 sends the client's certificate after the handshake the client thinks is done,
            // so the refusal may arrive as a failed handshake or as a connection reset on first read.
            await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync(new Uri(server.Url + "/")));
        }
    }
}
