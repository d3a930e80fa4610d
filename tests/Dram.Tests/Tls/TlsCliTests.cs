using System.Security.Cryptography;
using Dram.Tests.Cli;
using Dram.Tests.Supervision;
using Dram.Tests.Support;

namespace Dram.Tests.Tls;

/// <summary>
/// The TLS settings through the real dram process: every misconfiguration reported at start-up at
/// once, one line each naming the value, exit code 2, no stack trace; and a supervised server whose
/// workers serve TLS, h2c and a cleartext Unix socket from the sockets the supervisor bound.
/// </summary>
public sealed class TlsCliTests : IDisposable
{
    private readonly TestCertificates _certificates = new();

    public void Dispose() => _certificates.Dispose();

    private static string[] ErrorLines(ChildProcessResult result) =>
        [.. result.Stderr.Split('\n').Where(l => l.StartsWith("dram: error: ", StringComparison.Ordinal))];

    private static void AssertUsageError(ChildProcessResult result, int lines)
    {
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Equal(lines, ErrorLines(result).Length);
        result.AssertNoStackTrace();
    }

    [Fact]
    public async Task BadFiles_EachReportedAtOnceWithOtherErrors()
    {
        var missing = Path.Combine(_certificates.Directory, "missing.pem");
        var garbage = _certificates.Write("garbage.pem", "not a certificate\n");

        var result = await DramProcess.RunAsync("--certfile", missing, "--keyfile", _certificates.ServerCert,
            "--ca-certs", garbage, "--cert-reqs", "3", "--threads", "0", "app:app");

        AssertUsageError(result, 5);
        var errors = ErrorLines(result);
        Assert.Contains(errors, l => l.Contains($"invalid --certfile '{missing}': no such file", StringComparison.Ordinal));
        Assert.Contains(errors, l => l.Contains($"invalid --keyfile '{_certificates.ServerCert}': no PEM private key", StringComparison.Ordinal));
        Assert.Contains(errors, l => l.Contains($"invalid --ca-certs '{garbage}': no PEM certificate", StringComparison.Ordinal));
        Assert.Contains(errors, l => l.Contains("invalid --cert-reqs '3': must be one of none, optional, required, 0, 1, 2", StringComparison.Ordinal));
        Assert.Contains(errors, l => l.Contains("invalid --threads '0'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task UnreadableAndMalformed_CertificateFromEnvironment_NamedByVariable()
    {
        var directory = _certificates.Directory;
        var broken = _certificates.Write("broken.pem", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");

        var asDirectory = await DramProcess.RunAsync("--certfile", directory, "app:app");
        using var process = DramProcess.Start(new Dictionary<string, string?> { ["DRAM_CERTFILE"] = broken }, "app:app");
        var fromEnv = await process.WaitForExitAsync();

        AssertUsageError(asDirectory, 1);
        Assert.Contains($"invalid --certfile '{directory}': cannot read it", asDirectory.Stderr, StringComparison.Ordinal);
        AssertUsageError(fromEnv, 1);
        Assert.Contains($"invalid DRAM_CERTFILE '{broken}': not a PEM certificate", fromEnv.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SettingsThatNeedEachOther_AllReportedAtOnce()
    {
        var result = await DramProcess.RunAsync("--keyfile", _certificates.ServerKey, "--ca-certs", _certificates.CaCert, "--cert-reqs", "required", "app:app");

        AssertUsageError(result, 3);
        var errors = ErrorLines(result);
        Assert.Contains(errors, l => l.Contains($"--keyfile '{_certificates.ServerKey}' needs --certfile", StringComparison.Ordinal));
        Assert.Contains(errors, l => l.Contains($"--ca-certs '{_certificates.CaCert}' needs --certfile", StringComparison.Ordinal));
        Assert.Contains(errors, l => l.Contains("--cert-reqs required needs --certfile", StringComparison.Ordinal));
    }

    [Fact]
    public async Task KeyNotMatchingCertificate_AndCertReqsWithoutCaCerts_BothReported()
    {
        var result = await DramProcess.RunAsync("--certfile", _certificates.ServerCert, "--keyfile", _certificates.OtherKey, "--cert-reqs", "2", "app:app");

        AssertUsageError(result, 2);
        var errors = ErrorLines(result);
        Assert.Contains(errors, l => l.Contains($"--keyfile '{_certificates.OtherKey}' does not match --certfile '{_certificates.ServerCert}'", StringComparison.Ordinal));
        Assert.Contains(errors, l => l.Contains("--cert-reqs required needs --ca-certs", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CertificateWithoutKey_AndCaCertsWithCertReqsNone_Reported()
    {
        var result = await DramProcess.RunAsync("--certfile", _certificates.ServerCert, "--ca-certs", _certificates.CaCert, "app:app");

        AssertUsageError(result, 2);
        Assert.Contains($"--certfile '{_certificates.ServerCert}' has no private key in it, and no --keyfile was given", result.Stderr, StringComparison.Ordinal);
        Assert.Contains($"--ca-certs '{_certificates.CaCert}' has no effect with --cert-reqs none", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EncryptedKey_RefusedWithAHint()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var encrypted = _certificates.Write("encrypted.key", key.ExportEncryptedPkcs8PrivateKeyPem("secret",
            new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 1000)));

        var result = await DramProcess.RunAsync("--certfile", _certificates.ServerCert, "--keyfile", encrypted, "app:app");

        // One line: the mismatch rule is skipped for a key already rejected.
        AssertUsageError(result, 1);
        Assert.Contains($"invalid --keyfile '{encrypted}': the private key is encrypted", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Supervised_TlsH2cAndUnixBinds_EachSpeaksItsProtocol()
    {
        // The certificate's path is relative to where dram starts, not to --chdir.
        var socket = Path.Combine(_certificates.Directory, "dram.sock");
        using var process = DramProcess.Start("--python", PythonFixture.Interpreter, "--chdir", RepoPaths.Apps, "-w", "2",
            "-b", "127.0.0.1:0", "-b", "h2c://127.0.0.1:0", "-b", "unix:" + socket,
            "--certfile", Path.GetRelativePath(CliTestPaths.RepoRoot, _certificates.ServerCert), "--keyfile", _certificates.ServerKey, "wsgi_echo:app");
        var timeout = TimeSpan.FromSeconds(60);
        var https = Listening(await process.WaitForStderrLineAsync(l => l.Contains("Listening at: https://", StringComparison.Ordinal), timeout));
        var h2c = Listening(await process.WaitForStderrLineAsync(l => l.Contains("Listening at: h2c://", StringComparison.Ordinal), timeout));
        await process.WaitForStderrLineAsync(l => l.Contains("Listening at: unix:", StringComparison.Ordinal), timeout);
        using var h2 = TlsClients.Create(_certificates, System.Net.HttpVersion.Version20);
        using var unix = BindTests.UnixClient(socket);

        var (overTls, tlsVersion) = await TlsClients.EchoAsync(h2, https);
        var (cleartext, h2cVersion) = await TlsClients.EchoAsync(h2, "http://" + h2c["h2c://".Length..]);
        var (local, unixVersion) = await TlsClients.EchoAsync(unix, "http://localhost/");

        Assert.Equal((System.Net.HttpVersion.Version20, "https"), (tlsVersion, overTls.Environ("wsgi.url_scheme")));
        Assert.Equal((System.Net.HttpVersion.Version20, "http"), (h2cVersion, cleartext.Environ("wsgi.url_scheme")));
        Assert.Equal((System.Net.HttpVersion.Version11, "http"), (unixVersion, local.Environ("wsgi.url_scheme")));
    }

    [Fact]
    public async Task Sighup_RenewedCertificateServedByTheNewWorkers()
    {
        using var renewed = new TestCertificates();
        var cert = _certificates.Write("live.pem", File.ReadAllText(_certificates.ServerCert));
        var key = _certificates.Write("live.key", File.ReadAllText(_certificates.ServerKey));
        using var process = DramProcess.Start("--python", PythonFixture.Interpreter, "--chdir", RepoPaths.Apps,
            "-b", "127.0.0.1:0", "--certfile", cert, "--keyfile", key, "wsgi_echo:app");
        var url = (await process.WaitForListeningAsync()).Replace("127.0.0.1", "localhost", StringComparison.Ordinal);
        var before = await ServerCertificateAsync(url);

        // As a certificate renewal does: new files at the same paths, then a rolling restart.
        File.Copy(renewed.ServerCert, cert, overwrite: true);
        File.Copy(renewed.ServerKey, key, overwrite: true);
        var kill = await ChildProcess.RunAsync("kill", ["-HUP", process.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture)], CliTestPaths.RepoRoot);
        Assert.Equal(0, kill.ExitCode);
        await process.WaitForStderrLineAsync(l => l.Contains("Reload complete", StringComparison.Ordinal), TimeSpan.FromSeconds(60));

        // "Reload complete" is logged once the old worker is told to drain; until its SIGTERM is
        // handled it may still accept, so the old certificate is gone only once it has exited.
        await process.WaitForStderrLineAsync(l => l.Contains("exited (", StringComparison.Ordinal), TimeSpan.FromSeconds(60));

        Assert.Equal(File.ReadAllText(_certificates.ServerCert).Trim(), before);
        Assert.Equal(File.ReadAllText(renewed.ServerCert).Trim(), await ServerCertificateAsync(url));
    }

    /// <summary>The certificate a TLS server presents, as PEM (validation is not the point here).</summary>
    private static async Task<string> ServerCertificateAsync(string url)
    {
        string? pem = null;
        using var handler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.Zero };
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) =>
        {
            pem = certificate is null ? null : System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()).ExportCertificatePem();
            return pem is not null;
        };
        using var client = new HttpClient(handler) { Timeout = TlsClients.Timeout };
        using var response = await client.GetAsync(new Uri(url + "/"));
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        return pem!.Trim();
    }

    private static string Listening(string line) => line[(line.IndexOf("Listening at: ", StringComparison.Ordinal) + "Listening at: ".Length)..].Trim();
}
