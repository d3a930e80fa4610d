using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Dram.Server.Asgi;

internal sealed partial class AsgiWebSocket
{
    /// <summary>
    /// A cheap first look (RFC 6455 §4.1: an upgrade request names <c>websocket</c> in Upgrade;
    /// over HTTP/2, RFC 8441 §4: an extended CONNECT whose :protocol is <c>websocket</c>, which
    /// Kestrel advertises with SETTINGS_ENABLE_CONNECT_PROTOCOL): only such requests pass through
    /// the WebSocket middleware, which then checks the handshake.
    /// </summary>
    public static bool IsUpgrade(HttpContext context) =>
        (context.Request.Headers.Upgrade is { Count: > 0 } upgrade
            && upgrade.ToString().Contains("websocket", StringComparison.OrdinalIgnoreCase))
        || (HttpMethods.IsConnect(context.Request.Method)
            && context.Features.Get<IHttpExtendedConnectFeature>() is { IsExtendedConnect: true } connect
            && string.Equals(connect.Protocol, "websocket", StringComparison.OrdinalIgnoreCase));

    /// <summary>Any thread: the server is draining; an open connection closes with 1012.</summary>
    public void CloseForShutdown() => Post(ShutdownEvent);
}
