using Dram.Server.Hosting;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Dram.Server;

public sealed partial class DramServer
{
    /// <summary>One listening socket's protocols: cleartext HTTP/1.1, TLS with ALPN, or cleartext HTTP/2 only.</summary>
    private static void ConfigureListen(ListenOptions listen, ListenProtocol protocol, TlsOptions? tls, Drain drain)
    {
        listen.Protocols = protocol switch
        {
            // ALPN picks h2 or http/1.1 in the handshake (RFC 7301), so one TLS port serves both.
            ListenProtocol.Https => HttpProtocols.Http1AndHttp2,

            // Prior knowledge (RFC 9113 §3.3): the client's first bytes are the HTTP/2 preface.
            // Kestrel cannot serve both on a cleartext port, hence a bind of its own.
            ListenProtocol.Http2Cleartext => HttpProtocols.Http2,
            _ => HttpProtocols.Http1,
        };

        // Tracked before TLS, so a drain counts connections still in their handshake too.
        listen.Use(drain.Track);
        if (protocol == ListenProtocol.Https)
        {
            listen.UseHttps(tls!.ToKestrel());
        }
    }
}
