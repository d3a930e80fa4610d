using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace Dram.Server.Hosting;

/// <summary>
/// TLS for the TCP binds (--certfile, --keyfile, --ca-certs, --cert-reqs, gunicorn's names): the
/// server certificate with its chain, TLS 1.2 and 1.3 only (RFC 8996 deprecates 1.0 and 1.1), and
/// client certificates checked against the --ca-certs roots only, never the system's.
/// </summary>
internal sealed class TlsOptions
{
    // RFC 5280 §4.2.1.12 id-kp-clientAuth: a client certificate that lists extended key usages must include it.
    private static readonly Oid ClientAuthentication = new("1.3.6.1.5.5.7.3.2");

    private readonly X509Certificate2 _certificate;
    private readonly X509Certificate2Collection _chain;
    private readonly X509Certificate2Collection _clientRoots;
    private readonly ClientCertificates _clientCertificates;

    private TlsOptions(X509Certificate2 certificate, X509Certificate2Collection chain, X509Certificate2Collection clientRoots, ClientCertificates clientCertificates)
    {
        _certificate = certificate;
        _chain = chain;
        _clientRoots = clientRoots;
        _clientCertificates = clientCertificates;
    }

    /// <summary>
    /// The problems that need more than one setting to see, one line each naming the values.
    /// <paramref name="failed"/> says which settings (by name) already had a bad value reported:
    /// their rules are skipped rather than reported twice.
    /// </summary>
    public static IReadOnlyList<string> Check(DramServerOptions options, Func<string, bool> failed)
    {
        var errors = new List<string>();
        var certfile = options.CertFile;
        if (certfile is null && !failed("certfile"))
        {
            if (options.KeyFile is { } keyfile)
            {
                errors.Add($"--keyfile '{keyfile}' needs --certfile: the key belongs to a certificate");
            }

            if (options.CaCerts is { } caCerts)
            {
                errors.Add($"--ca-certs '{caCerts}' needs --certfile: client certificates are only asked for over TLS");
            }

            if (options.CertReqs != ClientCertificates.None)
            {
                errors.Add($"--cert-reqs {Name(options.CertReqs)} needs --certfile: client certificates are only asked for over TLS");
            }
        }

        if (options.CertReqs != ClientCertificates.None && options.CaCerts is null && !failed("ca-certs") && !failed("cert-reqs"))
        {
            errors.Add($"--cert-reqs {Name(options.CertReqs)} needs --ca-certs: client certificates are checked against those CAs only");
        }

        if (options.CaCerts is { } roots && options.CertReqs == ClientCertificates.None && !failed("cert-reqs"))
        {
            errors.Add($"--ca-certs '{roots}' has no effect with --cert-reqs none: give --cert-reqs optional or required");
        }

        if (certfile is not null && !failed("certfile") && !failed("keyfile"))
        {
            try
            {
                using var _ = X509Certificate2.CreateFromPemFile(certfile, options.KeyFile);
            }
            catch (Exception e) when (e is CryptographicException or ArgumentException)
            {
                // ArgumentException: a key of the right kind whose public half is not the certificate's.
                var reason = e is ArgumentException ? "it is the private key of another certificate" : e.Message;
                errors.Add(options.KeyFile is { } keyfile
                    ? $"--keyfile '{keyfile}' does not match --certfile '{certfile}': {reason}"
                    : TlsFiles.CheckPrivateKey(certfile) is null
                        ? $"the private key in --certfile '{certfile}' does not match its certificate: {reason}"
                        : $"--certfile '{certfile}' has no private key in it, and no --keyfile was given");
            }
        }

        return errors;
    }

    /// <summary>The TLS set-up, or null without --certfile; a misconfiguration is a usage error naming every problem.</summary>
    public static TlsOptions? Load(DramServerOptions options)
    {
        var errors = new List<string>();
        var perValue = new HashSet<string>(StringComparer.Ordinal);
        void CheckFile(string name, string? path, Func<string, string?> check)
        {
            if (path is not null && check(path) is { } reason)
            {
                errors.Add($"invalid --{name} '{path}': {reason}");
                perValue.Add(name);
            }
        }

        CheckFile("certfile", options.CertFile, TlsFiles.CheckCertificates);
        CheckFile("keyfile", options.KeyFile, TlsFiles.CheckPrivateKey);
        CheckFile("ca-certs", options.CaCerts, TlsFiles.CheckCertificates);
        errors.AddRange(Check(options, perValue.Contains));
        if (errors.Count > 0)
        {
            throw new DramStartupException(ExitCodes.Usage, string.Join("; ", errors));
        }

        if (options.CertFile is not { } certfile)
        {
            // Only a library caller can ask for this (ListenHandleProtocols filled by hand).
            return options.ListenHandleProtocols.Values.Contains(ListenProtocol.Https)
                ? throw new DramStartupException(ExitCodes.Usage, "a listening socket is to speak TLS, but no certificate file is set")
                : null;
        }

        // The leaf is the file's first certificate; the rest are the intermediates sent with it
        // (RFC 8446 §4.4.2), as in gunicorn's certfile.
        TlsFiles.ReadCertificates(certfile, out var all);
        var chain = new X509Certificate2Collection();
        for (var i = 1; i < all.Count; i++)
        {
            chain.Add(all[i]);
        }

        all[0].Dispose();
        var clientRoots = new X509Certificate2Collection();
        if (options.CaCerts is { } caCerts)
        {
            TlsFiles.ReadCertificates(caCerts, out clientRoots);
        }

        return new TlsOptions(X509Certificate2.CreateFromPemFile(certfile, options.KeyFile), chain, clientRoots, options.CertReqs);
    }

    /// <summary>Kestrel's HTTPS settings for one TLS endpoint.</summary>
    public HttpsConnectionAdapterOptions ToKestrel()
    {
        var https = new HttpsConnectionAdapterOptions
        {
            ServerCertificate = _certificate,
            ServerCertificateChain = _chain,
            SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            CheckCertificateRevocation = false,
            ClientCertificateMode = _clientCertificates switch
            {
                ClientCertificates.Optional => ClientCertificateMode.AllowCertificate,
                ClientCertificates.Required => ClientCertificateMode.RequireCertificate,
                _ => ClientCertificateMode.NoCertificate,
            },
        };
        if (_clientCertificates != ClientCertificates.None)
        {
            https.ClientCertificateValidation = (certificate, presented, _) => IsTrustedClient(certificate, presented);
        }

        return https;
    }

    /// <summary>
    /// Whether the client's certificate chains to one of the --ca-certs roots. The system's trust
    /// store plays no part: a certificate any public CA issued is not a client of this server.
    /// </summary>
    private bool IsTrustedClient(X509Certificate2 certificate, X509Chain? presented)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(_clientRoots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(ClientAuthentication);
        if (presented is not null)
        {
            // Intermediates the client sent along with its certificate.
            foreach (var element in presented.ChainElements)
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        return chain.Build(certificate);
    }

    internal static string Name(ClientCertificates mode) => mode.ToString().ToLowerInvariant();
}
