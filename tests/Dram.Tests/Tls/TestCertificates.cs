using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Dram.Tests.Tls;

/// <summary>
/// A throwaway PKI written as PEM files to a temporary directory: a CA, a server certificate it
/// issued for localhost and 127.0.0.1 (EC key), a client certificate it issued (RSA key), and a
/// client certificate from another CA nobody trusts. Made with CertificateRequest, so the tests
/// need no openssl command.
/// </summary>
public sealed class TestCertificates : IDisposable
{
    public TestCertificates()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("dram-tls-").FullName;
        var now = DateTimeOffset.UtcNow.AddMinutes(-5);
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var ca = CreateCa("Dram Test CA", caKey, now);
        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var other = CreateCa("Untrusted CA", otherKey, now);

        using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var server = new CertificateRequest("CN=localhost", serverKey, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        server.CertificateExtensions.Add(names.Build());
        server.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var serverCert = server.Create(ca, now, now.AddDays(2), [1]);

        CaCert = Write("ca.pem", ca.ExportCertificatePem());
        ServerCert = Write("server.pem", serverCert.ExportCertificatePem());
        ServerKey = Write("server.key", serverKey.ExportPkcs8PrivateKeyPem());
        ServerCertAndKey = Write("server-and-key.pem", serverCert.ExportCertificatePem() + "\n" + serverKey.ExportPkcs8PrivateKeyPem());
        (ClientCert, ClientKey) = WriteClient("client", ca, caKey, now, 2);
        (UntrustedClientCert, UntrustedClientKey) = WriteClient("untrusted-client", other, otherKey, now, 3);
        using var strayKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        OtherKey = Write("other.key", strayKey.ExportPkcs8PrivateKeyPem());
    }

    public string Directory { get; }

    public string CaCert { get; }

    public string ServerCert { get; }

    public string ServerKey { get; }

    /// <summary>The server certificate with its key in the same file (no --keyfile needed).</summary>
    public string ServerCertAndKey { get; }

    public string ClientCert { get; }

    public string ClientKey { get; }

    public string UntrustedClientCert { get; }

    public string UntrustedClientKey { get; }

    /// <summary>A private key that belongs to no certificate here.</summary>
    public string OtherKey { get; }

    /// <summary>The CA as a .NET certificate, for a client's custom trust.</summary>
    public X509Certificate2 LoadCa() => X509CertificateLoader.LoadCertificateFromFile(CaCert);

    /// <summary>A client certificate with its private key, for SocketsHttpHandler.</summary>
    public static X509Certificate2 LoadClient(string cert, string key)
    {
        // SslStream on Linux wants a key it can hand to OpenSSL: round-trip through PKCS#12.
        using var ephemeral = X509Certificate2.CreateFromPemFile(cert, key);
        return X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pkcs12), null);
    }

    public string Write(string name, string text)
    {
        var path = Path.Combine(Directory, name);
        File.WriteAllText(path, text);
        return path;
    }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);

    private static X509Certificate2 CreateCa(string name, ECDsa key, DateTimeOffset now)
    {
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(now, now.AddDays(2));
    }

    private (string Cert, string Key) WriteClient(string name, X509Certificate2 issuer, ECDsa issuerKey, DateTimeOffset now, byte serial)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
        // An RSA key signed by an EC CA: the generator overload names the issuer's algorithm.
        using var cert = request.Create(issuer.SubjectName, X509SignatureGenerator.CreateForECDsa(issuerKey), now, now.AddDays(2), [serial]);
        return (Write(name + ".pem", cert.ExportCertificatePem()), Write(name + ".key", key.ExportPkcs8PrivateKeyPem()));
    }
}
