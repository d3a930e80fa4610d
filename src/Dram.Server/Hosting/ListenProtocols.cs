namespace Dram.Server.Hosting;

/// <summary>The one rule for what a bind speaks, used by the supervisor and by a server that binds by itself.</summary>
internal static class ListenProtocols
{
    /// <summary>
    /// <c>h2c://</c> binds speak cleartext HTTP/2; Unix sockets stay cleartext HTTP/1.1 (a proxy on
    /// the same machine talks to them, as nginx does to gunicorn); every other bind, <c>fd://</c> TCP
    /// sockets included, is TLS when there is a certificate.
    /// </summary>
    public static ListenProtocol For(BindAddress bind, bool isUnixSocket, bool tls) =>
        bind.H2c ? ListenProtocol.Http2Cleartext
        : isUnixSocket ? ListenProtocol.Http1
        : tls ? ListenProtocol.Https
        : ListenProtocol.Http1;
}
