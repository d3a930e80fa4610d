using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;

namespace Dram.Server.Hosting;

/// <summary>Ends a connection once the current response is done, in the way its protocol allows.</summary>
internal static class ConnectionClose
{
    /// <summary>
    /// HTTP/1.x: <c>Connection: close</c> on the response (RFC 9112 §9.6). HTTP/2 forbids that
    /// header (RFC 9113 §8.2.2; Kestrel strips it with a warning per response), and its streams
    /// share the connection: Kestrel's lifetime feature sends GOAWAY instead, which lets streams
    /// in flight finish (§6.8).
    /// </summary>
    public static void AfterResponse(HttpContext context)
    {
        if (HttpProtocol.IsHttp2(context.Request.Protocol) || HttpProtocol.IsHttp3(context.Request.Protocol))
        {
            context.Features.Get<IConnectionLifetimeNotificationFeature>()?.RequestClose();
            return;
        }

        context.Response.Headers.Connection = "close";
    }
}
