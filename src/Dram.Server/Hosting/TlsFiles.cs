using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Dram.Server.Hosting;

/// <summary>
/// Reads the PEM files of --certfile, --keyfile and --ca-certs. Each check returns null when the
/// file is usable, else the reason in one line, so the command line can report every bad file at
/// once (the parser adds which setting and path it was).
/// </summary>
internal static class TlsFiles
{
    /// <summary>A readable PEM file with at least one certificate, all of which parse.</summary>
    public static string? CheckCertificates(string path) =>
        ReadCertificates(path, out var certificates) ?? DisposeAll(certificates);

    /// <summary>A readable PEM file with an unencrypted RSA or EC private key.</summary>
    public static string? CheckPrivateKey(string path)
    {
        if (Read(path, out var text) is { } unreadable)
        {
            return unreadable;
        }

        if (text.Contains("-----BEGIN ENCRYPTED PRIVATE KEY-----", StringComparison.Ordinal)
            || text.Contains("Proc-Type: 4,ENCRYPTED", StringComparison.Ordinal))
        {
            return "the private key is encrypted; dram cannot ask for a passphrase, so give it an unencrypted key (e.g. openssl pkey -in KEY -out PLAIN)";
        }

        if (!text.Contains("PRIVATE KEY-----", StringComparison.Ordinal))
        {
            return "no PEM private key in it (expected a -----BEGIN PRIVATE KEY----- block)";
        }

        // A PKCS#8 "PRIVATE KEY" does not say its algorithm in the label: try the two TLS uses.
        using var rsa = RSA.Create();
        using var ec = ECDsa.Create();
        string? reason = null;
        foreach (var key in new AsymmetricAlgorithm[] { rsa, ec })
        {
            try
            {
                key.ImportFromPem(text);
                return null;
            }
            catch (Exception e) when (e is CryptographicException or ArgumentException)
            {
                reason ??= e.Message;
            }
        }

        return $"not an RSA or EC private key in PEM: {reason}";
    }

    /// <summary>The certificates of a PEM file; null error when there is at least one and each parses.</summary>
    public static string? ReadCertificates(string path, out X509Certificate2Collection certificates)
    {
        certificates = [];
        if (Read(path, out var text) is { } unreadable)
        {
            return unreadable;
        }

        try
        {
            certificates.ImportFromPem(text);
        }
        catch (CryptographicException e)
        {
            return $"not a PEM certificate: {e.Message}";
        }

        return certificates.Count == 0 ? "no PEM certificate in it (expected a -----BEGIN CERTIFICATE----- block)" : null;
    }

    private static string? Read(string path, out string text)
    {
        text = "";
        try
        {
            text = File.ReadAllText(path);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            return e switch
            {
                FileNotFoundException or DirectoryNotFoundException => "no such file",
                UnauthorizedAccessException => "cannot read it: permission denied",
                _ => $"cannot read it: {e.Message}",
            };
        }
    }

    private static string? DisposeAll(X509Certificate2Collection certificates)
    {
        foreach (var certificate in certificates)
        {
            certificate.Dispose();
        }

        return null;
    }
}
