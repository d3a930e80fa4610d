namespace Dram.Server.Hosting;

/// <summary>
/// Whether TLS binds ask clients for a certificate (gunicorn's --cert-reqs, whose 0, 1 and 2 are
/// Python's ssl.CERT_NONE, CERT_OPTIONAL and CERT_REQUIRED).
/// </summary>
public enum ClientCertificates
{
    /// <summary>No certificate is asked for.</summary>
    None,

    /// <summary>A certificate is asked for; a client may send none, but one it sends must chain to --ca-certs.</summary>
    Optional,

    /// <summary>A client without a certificate that chains to --ca-certs fails the handshake.</summary>
    Required,
}
