using System.Text.Json;
using Dram.Server;
using Dram.Server.Hosting;
using Dram.Tests.Support;

namespace Dram.Tests.Tls;

/// <summary>
/// HTTP/2 as other clients speak it: curl (libcurl with nghttp2, OpenSSL) and nghttp (nghttp2-client,
/// tests/debian-packages.txt). A missing tool fails the test rather than skipping it.
/// </summary>
[Collection(UsesPython.Name)]
public sealed class CurlAndNghttpTests(PythonFixture python) : IDisposable
{
    private readonly TestCertificates _certificates = new();

    public void Dispose() => _certificates.Dispose();

    private Task<OwnServer> StartAsync(string bind, Action<DramServerOptions>? configure = null) =>
        OwnServer.StartAsync(python, "wsgi_echo:app", options =>
        {
            options.Binds.Clear();
            options.Binds.Add(bind);
            options.CertFile = _certificates.ServerCert;
            options.KeyFile = _certificates.ServerKey;
            configure?.Invoke(options);
        });

    private Task<ChildProcessResult> RunAsync(string tool, params string[] args) =>
        ChildProcess.RunAsync(tool, args, _certificates.Directory, timeout: TimeSpan.FromSeconds(60));

    // The certificate names localhost; curl must connect by that name.
    private static string ByName(OwnServer server) => server.Url.Replace("127.0.0.1", "localhost", StringComparison.Ordinal);

    [Fact]
    public async Task Curl_Http2OverTls_NegotiatedByAlpn()
    {
        var version = await RunAsync("curl", "-V");
        Assert.Contains("HTTP2", version.Stdout, StringComparison.Ordinal);
        await using var server = await StartAsync("127.0.0.1:0");

        var curl = await RunAsync("curl", "-sS", "--http2", "--cacert", _certificates.CaCert, "-w", "\n%{http_version}", ByName(server) + "/curl");

        Assert.True(curl.ExitCode == 0, curl.ToString());
        var lines = curl.Stdout.TrimEnd().Split('\n');
        Assert.Equal("2", lines[^1]);
        Assert.Equal("HTTP/2", JsonDocument.Parse(lines[0]).RootElement.Environ("SERVER_PROTOCOL"));
    }

    [Fact]
    public async Task Curl_PriorKnowledgeOnH2cBind_Http2Cleartext()
    {
        await using var server = await StartAsync("h2c://127.0.0.1:0");

        var curl = await RunAsync("curl", "-sS", "--http2-prior-knowledge", "--data-binary", "hello", "-w", "\n%{http_version}", server.Url + "/post");

        Assert.True(curl.ExitCode == 0, curl.ToString());
        var lines = curl.Stdout.TrimEnd().Split('\n');
        Assert.Equal("2", lines[^1]);
        var echo = JsonDocument.Parse(lines[0]).RootElement;
        Assert.Equal("http", echo.Environ("wsgi.url_scheme"));
        Assert.Equal(5, echo.GetProperty("input").GetProperty("length").GetInt32());
    }

    [Fact]
    public async Task Curl_ClientCertificateRequired_ServedWithCertRefusedWithout()
    {
        await using var server = await StartAsync("127.0.0.1:0", o =>
        {
            o.CaCerts = _certificates.CaCert;
            o.CertReqs = ClientCertificates.Required;
        });

        var with = await RunAsync("curl", "-sS", "--http2", "--cacert", _certificates.CaCert,
            "--cert", _certificates.ClientCert, "--key", _certificates.ClientKey, "-o", "/dev/null", "-w", "%{http_code} %{http_version}", ByName(server) + "/");
        var without = await RunAsync("curl", "-sS", "--http2", "--cacert", _certificates.CaCert, "-o", "/dev/null", ByName(server) + "/");
        var untrusted = await RunAsync("curl", "-sS", "--http2", "--cacert", _certificates.CaCert,
            "--cert", _certificates.UntrustedClientCert, "--key", _certificates.UntrustedClientKey, "-o", "/dev/null", ByName(server) + "/");

        Assert.True(with.ExitCode == 0, with.ToString());
        Assert.Equal("200 2", with.Stdout.Trim());
        Assert.NotEqual(0, without.ExitCode);
        Assert.NotEqual(0, untrusted.ExitCode);
    }

    [Fact]
    public async Task Nghttp_TlsAndH2c_ManyStreamsOnOneConnection()
    {
        await using var tls = await StartAsync("127.0.0.1:0");
        await using var h2c = await StartAsync("h2c://127.0.0.1:0");

        // -m 10: the same request ten times, as concurrent streams of one connection; -n: no output.
        var overTls = await RunAsync("nghttp", "-v", "-n", "-m", "10", ByName(tls) + "/n");
        var cleartext = await RunAsync("nghttp", "-v", "-n", "-m", "10", h2c.Url + "/n");

        Assert.True(overTls.ExitCode == 0, overTls.ToString());
        Assert.Contains("The negotiated protocol: h2", overTls.Stdout, StringComparison.Ordinal);
        Assert.Equal(10, CountOk(overTls.Stdout));
        Assert.True(cleartext.ExitCode == 0, cleartext.ToString());
        Assert.Equal(10, CountOk(cleartext.Stdout));
    }

    private static int CountOk(string verbose) =>
        verbose.Split('\n').Count(l => l.Contains("recv (stream_id=", StringComparison.Ordinal) && l.EndsWith(":status: 200", StringComparison.Ordinal));
}
