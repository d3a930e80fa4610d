using Microsoft.Extensions.Logging;

namespace Dram.Server;

/// <summary>
/// Everything the server needs to run an app. The command line builds one of these from the
/// settings catalogue (src/Dram/Settings); an ASP.NET Core host can build one in code.
/// Defaults are documented where the catalogue declares them.
/// </summary>
public sealed class DramServerOptions
{
    public const string DefaultBind = "127.0.0.1:8000";

    /// <summary><c>module:attribute</c> (attribute may be dotted) or <c>module</c> (meaning <c>module:application</c>); null serves the built-in welcome app.</summary>
    public string? App { get; set; }

    /// <summary>
    /// Apps served under path prefixes, each detected as WSGI or ASGI on its own; requests under
    /// no prefix go to <see cref="App"/>, or get 404 when mounts are given without an App.
    /// </summary>
    public IList<AppMount> Mounts { get; } = [];

    /// <summary>The attribute is a zero-argument factory that returns the app.</summary>
    public bool Factory { get; set; }

    /// <summary>HOST:PORT addresses to listen on; empty means <see cref="DefaultBind"/>. Port 0 picks a free port.</summary>
    public IList<string> Binds { get; } = [];

    /// <summary>The binds to listen on: <see cref="Binds"/>, or <see cref="DefaultBind"/> when there are none.</summary>
    internal IReadOnlyList<string> EffectiveBinds => Binds.Count > 0 ? [.. Binds] : [DefaultBind];

    /// <summary>Working directory, also put first on sys.path (as gunicorn does). Null: the current directory.</summary>
    public string? Chdir { get; set; }

    /// <summary>Directories added to sys.path after the working directory.</summary>
    public IList<string> PythonPath { get; } = [];

    /// <summary>URL prefixes answered from a directory without Python (<c>--static /prefix=DIR</c>), longest prefix first.</summary>
    public IList<Hosting.StaticRoute> Statics { get; } = [];

    /// <summary>The interpreter to embed; null means $VIRTUAL_ENV/bin/python when set, else python3 on PATH.</summary>
    public string? Python { get; set; }

    /// <summary>Most Python threads in this process.</summary>
    public int Threads { get; set; } = 8;

    /// <summary>Largest request body accepted, in bytes; larger ones get 413.</summary>
    public long MaxRequestBody { get; set; } = 1L << 30;

    /// <summary>
    /// A request still running Python after this long gets RequestTimeout raised in its thread
    /// (504 if nothing was sent); <see cref="TimeSpan.Zero"/> turns it off.
    /// </summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a stopping server lets in-flight requests and open keep-alive connections finish
    /// before it aborts them (gunicorn's --graceful-timeout).
    /// </summary>
    public TimeSpan GracefulTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The listen backlog of each listening socket (gunicorn's --backlog).</summary>
    public int Backlog { get; set; } = 2048;

    /// <summary>
    /// Already-listening socket descriptors to serve instead of <see cref="Binds"/>, inherited from a
    /// supervisor that bound them once for all its workers. Their close-on-exec flag must be clear:
    /// .NET then closes them without shutdown(), which would stop every process sharing them.
    /// </summary>
    public IList<int> ListenHandles { get; } = [];

    /// <summary>
    /// What each of <see cref="ListenHandles"/> speaks; a handle not listed speaks cleartext HTTP/1.1.
    /// The supervisor decides it from the bind and the socket's family (Hosting/ListenProtocols.cs).
    /// </summary>
    public IDictionary<int, Hosting.ListenProtocol> ListenHandleProtocols { get; } = new Dictionary<int, Hosting.ListenProtocol>();

    /// <summary>The server certificate (PEM, intermediates after it) that turns the TCP binds into TLS; null: no TLS.</summary>
    public string? CertFile { get; set; }

    /// <summary>The certificate's private key (PEM); null: it is in <see cref="CertFile"/>.</summary>
    public string? KeyFile { get; set; }

    /// <summary>The CA certificates (PEM) client certificates must chain to.</summary>
    public string? CaCerts { get; set; }

    /// <summary>Whether TLS binds ask clients for a certificate (gunicorn's --cert-reqs).</summary>
    public Hosting.ClientCertificates CertReqs { get; set; }

    /// <summary>
    /// After this many requests <see cref="DramServer.RecycleRequested"/> completes (0: never);
    /// the server keeps serving until it is stopped. The dram command's supervisor adds the jitter.
    /// </summary>
    public long MaxRequests { get; set; }

    /// <summary>Set wsgi.multiprocess: other processes serve the same app at the same time.</summary>
    public bool Multiprocess { get; set; }

    /// <summary>Restart the workers when a .py file under the app's directories changes (supervisor setting; development).</summary>
    public bool Reload { get; set; }

    /// <summary>Worker processes the dram command runs (its supervisor's setting; <see cref="DramServer"/> is one process).</summary>
    public int Workers { get; set; } = 1;

    /// <summary>Up to this many requests are added at random to <see cref="MaxRequests"/> for each worker (supervisor setting).</summary>
    public long MaxRequestsJitter { get; set; }

    /// <summary>A worker whose resident memory passes this many bytes is replaced (0: never; supervisor setting).</summary>
    public long MaxRss { get; set; }

    /// <summary>
    /// Requests waiting for a Python thread beyond this many are answered 503 at once (admission
    /// counts requests, not connections: idle keep-alive connections cost nothing); 0 means no bound.
    /// </summary>
    public int MaxPending { get; set; } = 1024;

    /// <summary>Which protocol the app speaks; <see cref="AppInterface.Auto"/> tells a coroutine function or an object with an async <c>__call__</c> (ASGI 3) from a WSGI callable.</summary>
    public AppInterface Interface { get; set; } = AppInterface.Auto;

    /// <summary>ASGI lifespan protocol: <see cref="LifespanMode.Auto"/> runs it when the app supports it.</summary>
    public LifespanMode Lifespan { get; set; } = LifespanMode.Auto;

    /// <summary>The asyncio event loop implementation ASGI apps run on.</summary>
    public EventLoopKind Loop { get; set; } = EventLoopKind.Auto;

    /// <summary>Largest WebSocket message accepted, in bytes; a larger one closes the connection with 1009 (uvicorn's default, 16 MiB).</summary>
    public long WebSocketMaxSize { get; set; } = 16L * 1024 * 1024;

    /// <summary>Offer permessage-deflate (RFC 7692) on WebSocket connections.</summary>
    public bool WebSocketPerMessageDeflate { get; set; } = true;

    /// <summary>Send a WebSocket ping this often on an otherwise quiet connection; <see cref="TimeSpan.Zero"/> turns pings off.</summary>
    public TimeSpan WebSocketPingInterval { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Close a WebSocket connection whose peer has not answered a ping within this long; <see cref="TimeSpan.Zero"/> waits forever.</summary>
    public TimeSpan WebSocketPingTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// Peers whose proxy headers (Forwarded, X-Forwarded-*) are believed: addresses, CIDR networks
    /// or "*". Null means <see cref="Hosting.TrustedProxies.Defaults"/> (127.0.0.1 and ::1).
    /// A Unix-socket peer is always trusted.
    /// </summary>
    public IList<string>? ForwardedAllowIps { get; set; }

    public LogLevel LogLevel { get; set; } = LogLevel.Information;

    /// <summary>Where the error log goes; null means standard error.</summary>
    public TextWriter? ErrorLog { get; set; }

    /// <summary>
    /// Bits cleared from the mode of the <c>unix:</c> socket files the supervisor creates
    /// (0777 &amp; ~mask), gunicorn's --umask; 0 lets any user connect.
    /// </summary>
    public int Umask { get; set; }

    /// <summary>A file the supervisor writes its pid to at start and removes at exit (gunicorn's --pid); null: none.</summary>
    public string? PidFile { get; set; }

    /// <summary>The user the worker processes switch to (name or uid); null keeps the supervisor's.</summary>
    public string? User { get; set; }

    /// <summary>The group the worker processes switch to (name or gid); null means the user's primary group.</summary>
    public string? Group { get; set; }

    /// <summary>The access log: <c>-</c> for standard output, or a file appended to; null (the default) means none.</summary>
    public string? AccessLog { get; set; }

    /// <summary>gunicorn's <c>access_log_format</c> (<c>%(h)s</c> atoms); null means gunicorn's default.</summary>
    public string? AccessLogFormat { get; set; }

    /// <summary>Write the access log as one JSON object per line instead of <see cref="AccessLogFormat"/>.</summary>
    public bool AccessLogJson { get; set; }

    /// <summary>
    /// Where the supervisor serves Prometheus metrics summed over its workers (HOST:PORT or
    /// unix:PATH, <c>GET /metrics</c>); null: no metrics (supervisor setting).
    /// </summary>
    public string? Metrics { get; set; }

    /// <summary>The file holding this worker's metrics counters, created by the supervisor; null: not counted.</summary>
    internal string? MetricsSlot { get; set; }

    /// <summary>Longest request line in bytes, without its CRLF (gunicorn's limit_request_line); longer gets 414. 0: 1 MiB.</summary>
    public int LimitRequestLine { get; set; } = 4094;

    /// <summary>Most header fields in a request (gunicorn's limit_request_fields); more gets 431. 0: 32768.</summary>
    public int LimitRequestFields { get; set; } = 100;

    /// <summary>Largest header field, name + ": " + value, in bytes (gunicorn's limit_request_field_size); larger gets 431. 0: no per-field limit.</summary>
    public int LimitRequestFieldSize { get; set; } = 8190;

    /// <summary>How long an idle keep-alive connection is kept before it is closed silently (gunicorn's --keep-alive).</summary>
    public TimeSpan KeepAlive { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Time allowed for a request's line and headers to arrive once it has begun; after it, 408 and close.</summary>
    public TimeSpan HeaderTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Slowest request body accepted, in bytes per second after a 5 s grace period; slower gets 408 and close. 0: off.</summary>
    public int MinBodyRate { get; set; } = 240;

    /// <summary>The error log as a path (<c>-</c> or null: standard error), opened with O_APPEND and reopened on SIGUSR1. <see cref="ErrorLog"/> wins when set.</summary>
    public string? ErrorLogPath { get; set; }

    /// <summary>
    /// Least severe level per log category, longest matching prefix first (--log-config); the key
    /// <c>Default</c> replaces <see cref="LogLevel"/>.
    /// </summary>
    public IDictionary<string, LogLevel> LogCategoryLevels { get; } = new Dictionary<string, LogLevel>(StringComparer.Ordinal);
}
