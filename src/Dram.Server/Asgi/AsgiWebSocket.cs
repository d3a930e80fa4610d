using Dram.Python;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Dram.Server.Asgi;

/// <summary>A WebSocket connection through an ASGI app (ASGI WebSocket spec). Placeholder: refuses with 403.</summary>
internal sealed partial class AsgiWebSocket : AsgiConnection
{
    public AsgiWebSocket(HttpContext context, AsgiApp app, ILogger logger)
        : base(context, app, logger)
    {
    }

    public static WebSocketOptions Options(DramServerOptions options) => new()
    {
        KeepAliveInterval = options.WebSocketPingInterval,
    };

    protected override PyRef BuildScope() => App.Scope.Build(Context, webSocket: true, App.State.Borrow(), [.. Context.WebSockets.WebSocketRequestedProtocols]);

    public override PyRef Receive() => throw new PyRaiseException(PyErrorKind.RuntimeError, "not yet");

    public override PyRef Send(PyBorrowed message) => throw new PyRaiseException(PyErrorKind.RuntimeError, "not yet");

    protected override void OnEvent(int kind)
    {
    }

    protected override void OnFinished(AppOutcome outcome, string detail)
    {
        Context.Response.StatusCode = StatusCodes.Status403Forbidden;
        Complete();
    }
}
