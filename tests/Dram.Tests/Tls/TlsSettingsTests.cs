using Dram.Cli;
using Dram.Cli.Supervision;
using Dram.Server.Hosting;

namespace Dram.Tests.Tls;

/// <summary>The TLS settings as parsed, the h2c:// bind, and what the supervisor tells a worker about each socket.</summary>
public sealed class TlsSettingsTests : IDisposable
{
    private static readonly Dictionary<string, string> NoEnv = [];
    private readonly TestCertificates _certificates = new();

    public void Dispose() => _certificates.Dispose();

    [Theory]
    [InlineData("none", ClientCertificates.None)]
    [InlineData("0", ClientCertificates.None)]
    [InlineData("optional", ClientCertificates.Optional)]
    [InlineData("1", ClientCertificates.Optional)]
    [InlineData("Required", ClientCertificates.Required)]
    [InlineData("2", ClientCertificates.Required)]
    public void CertReqs_GunicornNumbersAndNames(string value, ClientCertificates expected)
    {
        var result = CommandLineParser.Parse(
            ["--certfile", _certificates.ServerCert, "--keyfile", _certificates.ServerKey, "--ca-certs", _certificates.CaCert, "--cert-reqs", value], NoEnv);

        if (expected == ClientCertificates.None)
        {
            // --ca-certs without asking for client certificates does nothing: refused as a mistake.
            Assert.Equal(ParseAction.Error, result.Action);
            Assert.Contains("has no effect with --cert-reqs none", result.Error, StringComparison.Ordinal);
            return;
        }

        Assert.True(result.Action == ParseAction.Run, result.Error);
        Assert.Equal(expected, result.Options!.CertReqs);
        Assert.Equal(_certificates.ServerCert, result.Options.CertFile);
        Assert.Equal(_certificates.ServerKey, result.Options.KeyFile);
        Assert.Equal(_certificates.CaCert, result.Options.CaCerts);
    }

    [Fact]
    public void NoTlsSettings_NoTls()
    {
        var options = CommandLineParser.Parse([], NoEnv).Options!;

        Assert.Null(options.CertFile);
        Assert.Equal(ClientCertificates.None, options.CertReqs);
    }

    [Theory]
    [InlineData("h2c://127.0.0.1:8080", "127.0.0.1", 8080)]
    [InlineData("h2c://[::1]:0", "::1", 0)]
    [InlineData("h2c://localhost:9000", "localhost", 9000)]
    public void Bind_H2c_ParsedAndPrintedBack(string text, string host, int port)
    {
        Assert.True(BindAddress.TryParse(text, out var bind, out var error), error);

        Assert.True(bind.H2c);
        Assert.True(bind.IsTcp);
        Assert.Equal((host, port), (bind.Host, bind.Port));
        Assert.Equal(text, bind.ToString());
        Assert.Equal(ListenProtocol.Http2Cleartext, ListenProtocols.For(bind, isUnixSocket: false, tls: true));
    }

    [Theory]
    [InlineData("h2c://", "missing port")]
    [InlineData("h2c://unix:/tmp/x.sock", "h2c:// takes HOST:PORT only")]
    [InlineData("h2c://fd://3", "h2c:// takes HOST:PORT only")]
    [InlineData("h2c://127.0.0.1:99999", "is not a port number")]
    public void Bind_BadH2c_Refused(string text, string reason)
    {
        Assert.False(BindAddress.TryParse(text, out _, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("127.0.0.1:0", false, true, ListenProtocol.Https)]
    [InlineData("127.0.0.1:0", false, false, ListenProtocol.Http1)]
    [InlineData("unix:/tmp/a.sock", true, true, ListenProtocol.Http1)]
    [InlineData("fd://3", false, true, ListenProtocol.Https)]
    [InlineData("fd://3", true, true, ListenProtocol.Http1)]
    public void ListenProtocol_TcpGetsTlsUnixStaysCleartext(string text, bool unix, bool tls, ListenProtocol expected)
    {
        Assert.True(BindAddress.TryParse(text, out var bind, out _));

        Assert.Equal(expected, ListenProtocols.For(bind, unix, tls));
    }

    [Fact]
    public void WorkerSpec_CarriesEachSocketsProtocol()
    {
        var spec = new WorkerSpec([3, 4, 5], 0, Multiprocess: false, Unset: [],
            Protocols: new Dictionary<int, ListenProtocol> { [3] = ListenProtocol.Https, [4] = ListenProtocol.Http2Cleartext, [5] = ListenProtocol.Http1 });

        Assert.True(WorkerSpec.TryParse([spec.ToArgument(), "app:app"], out var parsed, out _));

        Assert.Equal([3, 4, 5], parsed!.Fds);
        Assert.Equal(ListenProtocol.Https, parsed.Protocols![3]);
        Assert.Equal(ListenProtocol.Http2Cleartext, parsed.Protocols[4]);
        Assert.False(parsed.Protocols.ContainsKey(5)); // cleartext HTTP/1.1 is what an unlisted socket speaks
    }
}
