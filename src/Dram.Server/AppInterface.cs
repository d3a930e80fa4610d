namespace Dram.Server;

/// <summary>The protocol between Dram and the app (--interface).</summary>
public enum AppInterface
{
    /// <summary>ASGI when the app is a coroutine function or has an async <c>__call__</c>, else WSGI.</summary>
    Auto,

    /// <summary>ASGI 3.0 (spec version 2.4): <c>await app(scope, receive, send)</c> on an event loop.</summary>
    Asgi,

    /// <summary>WSGI (PEP 3333): <c>app(environ, start_response)</c> on Python threads.</summary>
    Wsgi,
}

/// <summary>Whether the ASGI lifespan protocol runs (--lifespan).</summary>
public enum LifespanMode
{
    /// <summary>Run it; an app that raises before answering startup does not support it, and serving goes on.</summary>
    Auto,

    /// <summary>Run it; an app that does not support it is a start-up failure.</summary>
    On,

    /// <summary>Never send lifespan events.</summary>
    Off,
}

/// <summary>The event loop ASGI apps run on (--loop).</summary>
public enum EventLoopKind
{
    /// <summary>uvloop when it can be imported, else asyncio's own loop.</summary>
    Auto,

    /// <summary>asyncio's default event loop.</summary>
    Asyncio,

    /// <summary>uvloop (libuv), which must be importable.</summary>
    Uvloop,
}
