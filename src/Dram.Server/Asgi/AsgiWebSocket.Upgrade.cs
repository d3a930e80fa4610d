using Microsoft.AspNetCore.Http;

namespace Dram.Server.Asgi;

internal sealed partial class AsgiWebSocket
{
    /// <summary>
    /// A cheap first look (RFC 6455 §4.1: an upgrade request names <c>websocket</c> in Upgrade):
    /// only such requests pass through the WebSocket middleware, which then checks the handshake.
    /// </summary>
    public static bool IsUpgrade(HttpContext context) =>
        context.Request.Headers.Upgrade is { Count: > 0 } upgrade
        && upgrade.ToString().Contains("websocket", StringComparison.OrdinalIgnoreCase);

    /// <summary>Any thread: the server is draining; an open connection closes with 1012.</summary>
    public void CloseForShutdown() => Post(ShutdownEvent);
}
