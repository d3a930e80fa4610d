namespace Dram.Server.Hosting;

/// <summary>What a listening socket speaks.</summary>
public enum ListenProtocol
{
    /// <summary>Cleartext HTTP/1.x: TCP binds without --certfile, and Unix sockets (a proxy on the same machine speaks to them).</summary>
    Http1,

    /// <summary>TLS 1.2 or 1.3, then HTTP/2 or HTTP/1.1 as ALPN chooses (RFC 7301; RFC 9113 §3.2).</summary>
    Https,

    /// <summary>
    /// Cleartext HTTP/2 only, with prior knowledge (RFC 9113 §3.3): an <c>h2c://HOST:PORT</c> bind, for a
    /// trusted proxy. Kestrel cannot tell prior-knowledge HTTP/2 from HTTP/1.1 on a cleartext port, so it
    /// has a port of its own; HTTP/1.1 requests there get 400.
    /// </summary>
    Http2Cleartext,
}
