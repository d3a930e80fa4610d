using Dram.Python;

namespace Dram.Server.Asgi;

/// <summary>
/// Interned keys and the constant values of ASGI scopes and messages, created once (GIL held)
/// and kept for the process, so a message dict costs no string creation.
/// </summary>
internal static class AsgiNames
{
    public static readonly PyRef Type = PyStr.Intern("type");
    public static readonly PyRef Asgi = PyStr.Intern("asgi");
    public static readonly PyRef HttpVersion = PyStr.Intern("http_version");
    public static readonly PyRef Method = PyStr.Intern("method");
    public static readonly PyRef Scheme = PyStr.Intern("scheme");
    public static readonly PyRef Path = PyStr.Intern("path");
    public static readonly PyRef RawPath = PyStr.Intern("raw_path");
    public static readonly PyRef QueryString = PyStr.Intern("query_string");
    public static readonly PyRef RootPath = PyStr.Intern("root_path");
    public static readonly PyRef Headers = PyStr.Intern("headers");
    public static readonly PyRef Client = PyStr.Intern("client");
    public static readonly PyRef Server = PyStr.Intern("server");
    public static readonly PyRef State = PyStr.Intern("state");
    public static readonly PyRef Extensions = PyStr.Intern("extensions");
    public static readonly PyRef Subprotocols = PyStr.Intern("subprotocols");

    public static readonly PyRef Body = PyStr.Intern("body");
    public static readonly PyRef MoreBody = PyStr.Intern("more_body");
    public static readonly PyRef Status = PyStr.Intern("status");
    public static readonly PyRef Trailers = PyStr.Intern("trailers");
    public static readonly PyRef Text = PyStr.Intern("text");
    public static readonly PyRef Bytes = PyStr.Intern("bytes");
    public static readonly PyRef Code = PyStr.Intern("code");
    public static readonly PyRef Reason = PyStr.Intern("reason");
    public static readonly PyRef Subprotocol = PyStr.Intern("subprotocol");

    public static readonly PyRef HttpRequest = PyStr.Intern("http.request");
    public static readonly PyRef HttpDisconnect = PyStr.Intern("http.disconnect");
    public static readonly PyRef WebSocketConnect = PyStr.Intern("websocket.connect");
    public static readonly PyRef WebSocketReceive = PyStr.Intern("websocket.receive");
    public static readonly PyRef WebSocketDisconnect = PyStr.Intern("websocket.disconnect");

    public static readonly PyRef HttpType = PyStr.Intern("http");
    public static readonly PyRef WebSocketType = PyStr.Intern("websocket");
    public static readonly PyRef HttpScheme = PyStr.Intern("http");
    public static readonly PyRef WsScheme = PyStr.Intern("ws");
    public static readonly PyRef HttpsScheme = PyStr.Intern("https");
    public static readonly PyRef WssScheme = PyStr.Intern("wss");
    public static readonly PyRef Empty = PyStr.Intern("");
    public static readonly PyRef EmptyBytes = PyBytes.From([]);
    public static readonly PyRef Http11 = PyStr.Intern("1.1");
    public static readonly PyRef Http10 = PyStr.Intern("1.0");
    public static readonly PyRef Http2 = PyStr.Intern("2");
    public static readonly PyRef ClientGone = PyStr.Intern("client disconnected");
}
