using System.Net;
using System.Reflection;
using System.Text;
using Dram.Python;
using Dram.Server.Asgi;
using Dram.Server.Hosting;
using Dram.Server.Logging;
using Dram.Server.Metrics;
using Dram.Server.Mounts;
using Dram.Server.Wsgi;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Dram.Server;

public sealed partial class DramServer
{
    // The error log that receives the app's output lines. One interpreter per process means one
    // sys.stdout, so the most recently started server's log gets them.
    private static ErrorLog? s_appOutput;

    private readonly WebApplication _web;
    private readonly PythonThreadPool? _pool;
    private readonly ILogger _logger;
    private int _stopped;

    private DramServer(WebApplication web, PythonThreadPool? pool, ILogger logger)
    {
        _web = web;
        _pool = pool;
        _logger = logger;
    }

    /// <summary>The version printed by --version and logged at start.</summary>
    public static string Version =>
        typeof(DramServer).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    public static partial async Task<DramServer> StartAsync(DramServerOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errorLog = ErrorLog.Create(options, Console.Error);
        var logger = errorLog.CreateLogger("dram");
        Log.Starting(logger, Version, Environment.ProcessId);

        // Before Python and --chdir: a bad certificate fails fast, and relative paths mean the start directory.
        var tls = TlsOptions.Load(options);

        var runtime = StartPython(options, errorLog);
        Log.UsingPython(logger, runtime.Installation.Version, runtime.Installation.Executable);

        var loaded = LoadApps(options, runtime, logger);
        var lifespans = StartLifespans(options, loaded, logger);
        var pool = loaded.Wsgi.Count == 0 ? null : new PythonThreadPool("py-wsgi", options.Threads, e => Log.InternalError(logger, e));
        var drain = new Drain(new DrainableTransport(), options.MaxRequests);
        var web = BuildWebApplication(options, errorLog, loaded, pool, drain, tls);
        try
        {
            await web.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            pool?.Dispose();
            await web.DisposeAsync().ConfigureAwait(false);
            await StopLifespansAsync(lifespans, CancellationToken.None).ConfigureAwait(false);
            var reason = e.InnerException is AddressInUseException ? "address already in use" : e.Message;
            throw BindAddress.ListenFailed(reason, options.EffectiveBinds);
        }

        var server = new DramServer(web, pool, logger)
        {
            _drain = drain,
            Urls = [.. web.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
                .Features.GetRequiredFeature<IServerAddressesFeature>().Addresses],
        };
        server._lifespans = lifespans;
        server._asgiApps = loaded.Asgi;
        server.StartWatchdog(options, runtime, loaded);
        LogServing(logger, options, loaded);
        if (options.ListenHandles.Count == 0)
        {
            // Inherited sockets were announced by the supervisor that bound them.
            foreach (var url in server.Urls)
            {
                Log.Listening(logger, url);
            }
        }

        return server;
    }

    private static PythonRuntime StartPython(DramServerOptions options, ErrorLog errorLog)
    {
        s_appOutput = errorLog;
        var command = options.Python
            ?? (Environment.GetEnvironmentVariable("VIRTUAL_ENV") is { Length: > 0 } venv ? Path.Combine(venv, "bin", "python") : "python3");
        try
        {
            var installation = PythonInstallation.Discover(command);
            return PythonRuntime.Initialize(installation, static (_, text) => s_appOutput?.WriteAppOutput(text));
        }
        catch (PythonLoadException e)
        {
            throw new DramStartupException(ExitCodes.Usage, e.Message);
        }
    }

    private static WebApplication BuildWebApplication(DramServerOptions options, ErrorLog errorLog, LoadedApps apps, PythonThreadPool? pool, Drain drain, TlsOptions? tls)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Trace); // ErrorLog filters per category (--log-level, --log-config)
        builder.Logging.AddProvider(errorLog);
        var binds = options.ListenHandles.Count > 0 ? [] : options.EffectiveBinds.Select(BindAddress.ParseOrFail).ToList();
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel => ConfigureKestrel(kestrel, options, binds, drain, tls));

        // Kestrel's socket transport, wrapped so a drain can stop accepting without closing
        // connections. It is built by the host's services, not by hand: only then does it get
        // Kestrel's pinned block pool; by hand it falls back to MemoryPool<byte>.Shared, which
        // cannot keep thousands of blocks in flight (measured: 0.5-0.9 MB of garbage per 1 MiB
        // response and a gen2 collection every few requests).
        builder.WebHost.UseSockets(sockets =>
        {
            sockets.Backlog = options.Backlog;

            // ASGI: Kestrel's pipe callbacks run on the socket threads rather than being queued
            // to the thread pool. "Unsafe" for code that blocks there; Dram's never does (it posts
            // the request to the event loop and returns). Measured with wrk: ASGI hello 75-80k
            // instead of 66-67k, Starlette 54k instead of 47k. Not for WSGI: Flask fell from 21k
            // to 13-15k with it (hello world gained 5 %), so the pool threads keep the default.
            // With WSGI and ASGI apps mounted side by side, WSGI's measurement decides.
            sockets.UnsafePreferInlineScheduling = apps.Asgi.Count > 0 && apps.Wsgi.Count == 0;
        });
        builder.Services.AddSingleton<SocketTransportFactory>();
        builder.Services.RemoveAll<IConnectionListenerFactory>();
        builder.Services.AddSingleton<IConnectionListenerFactory>(services => drain.Transport.Attach(services.GetRequiredService<SocketTransportFactory>()));
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = options.GracefulTimeout);

        // Signals are the owner's business (the dram command drains on SIGTERM): the host's console
        // lifetime would otherwise stop Kestrel on SIGTERM at once, closing idle connections.
        builder.Services.AddSingleton<IHostLifetime, OwnerControlledLifetime>();

        var web = builder.Build();
        AccessLog.UseIfEnabled(web, options); // first, so it sees every request's outcome; nothing when off
        WorkerMetrics.UseIfEnabled(web, options, pool, apps.Asgi); // --metrics: counts into the supervisor's slot; nothing when off
        FieldSizeLimit.UseIfEnabled(web, options, errorLog);
        var trusted = TrustedProxiesFrom(options);
        web.Use(next => context =>
        {
            drain.OnRequest(context);
            ForwardedHeaders.Apply(context, trusted);
            return next(context);
        });

        // The order of dispatch: static prefixes (answered by Kestrel, before anything Python),
        // then the mounts, longest prefix first, then the positional app for everything else.
        StaticFiles.UseIfConfigured(web, options);
        var root = apps.Root is { } rootApp ? AppPipeline(web, options, errorLog, rootApp, pool) : null;
        if (apps.Mounts.Count == 0)
        {
            web.Run(root!);
            return web;
        }

        var mounts = new MountTable([.. apps.Mounts.Select(m => (m.Prefix, AppPipeline(web, options, errorLog, m, pool)))], root);
        web.Run(mounts.Dispatch);
        return web;
    }

    /// <summary>The request handler of one app: its own small pipeline, so only ASGI apps get the WebSocket middleware.</summary>
    private static RequestDelegate AppPipeline(IApplicationBuilder web, DramServerOptions options, ErrorLog errorLog, ServedApp app, PythonThreadPool? pool)
    {
        var maxBody = options.MaxRequestBody;
        var maxPending = options.MaxPending;
        if (app.Asgi is { } asgi)
        {
            var asgiLogger = errorLog.CreateLogger("dram.asgi");
            var branch = web.New();

            // Only upgrade requests go through the WebSocket middleware: it allocates a handshake
            // feature for every request that could upgrade, which is every HTTP/1.1 request.
            branch.UseWhen(AsgiWebSocket.IsUpgrade, upgrade => upgrade.UseWebSockets(AsgiWebSocket.Options(options)));
            branch.Run(context => HandleAsgi(context, asgi, asgiLogger, maxBody));
            return branch.Build();
        }

        var wsgi = app.Wsgi!;
        var requestLogger = errorLog.CreateLogger("dram.wsgi");
        return context => Handle(context, wsgi, pool!, requestLogger, maxBody, maxPending);
    }

    private static void ConfigureKestrel(KestrelServerOptions kestrel, DramServerOptions options, List<BindAddress> binds, Drain drain, TlsOptions? tls)
    {
        kestrel.AddServerHeader = false;
        KestrelLimits.Apply(kestrel, options); // before any Listen*: it sets endpoint defaults

        // PEP 3333 native strings are latin-1 both ways; Kestrel's defaults are UTF-8 in and
        // ASCII-only out (design/NOTES.md).
        kestrel.RequestHeaderEncodingSelector = static _ => Encoding.Latin1;
        kestrel.ResponseHeaderEncodingSelector = static _ => Encoding.Latin1;
        foreach (var handle in options.ListenHandles)
        {
            var protocol = options.ListenHandleProtocols.TryGetValue(handle, out var given) ? given : ListenProtocol.Http1;
            kestrel.ListenHandle((ulong)handle, listen => ConfigureListen(listen, protocol, tls, drain));
        }

        foreach (var bind in binds)
        {
            // In one process (no supervisor) Kestrel binds unix: itself, with the process's umask.
            // An fd:// socket counts as TCP here; the supervisor looks at its family.
            var protocol = ListenProtocols.For(bind, isUnixSocket: bind.UnixPath is not null, tls is not null);
            void Configure(ListenOptions listen) => ConfigureListen(listen, protocol, tls, drain);
            if (bind.UnixPath is { } path)
            {
                kestrel.ListenUnixSocket(path, Configure);
                continue;
            }

            if (bind.Fd is { } fd)
            {
                kestrel.ListenHandle((ulong)fd, Configure);
                continue;
            }

            foreach (var address in bind.Resolve())
            {
                kestrel.Listen(address, bind.Port, Configure);
            }
        }
    }

    private static TrustedProxies TrustedProxiesFrom(DramServerOptions options)
    {
        try
        {
            return TrustedProxies.Parse(options.ForwardedAllowIps ?? [.. TrustedProxies.Defaults]);
        }
        catch (FormatException e)
        {
            throw new DramStartupException(ExitCodes.Usage, $"invalid --forwarded-allow-ips: {e.Message}");
        }
    }

    /// <summary>Answers what no app should see (a body over the limit, a malformed request); false when it did.</summary>
    private static bool Admit(HttpContext context, ILogger logger, long maxBody)
    {
        if (context.Request.ContentLength > maxBody)
        {
            // Refused before the app runs: answering 413 now beats failing the app's first read.
            Log.BodyTooLarge(BadRequestLog.Logger(context), BadRequestLog.Describe(context), context.Request.ContentLength.Value, maxBody);
            context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
            ConnectionClose.AfterResponse(context);
            return false;
        }

        if (RequestRules.Check(context.Request) is { } violation)
        {
            // Kestrel let it through, but the RFCs make it malformed or ambiguous: 400, and the
            // connection closes (its framing cannot be trusted). The app never sees it.
            Log.RequestRejected(logger, context.Request.Method, context.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget, violation);
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            ConnectionClose.AfterResponse(context);
            return false;
        }

        return true;
    }

    private static Task HandleAsgi(HttpContext context, AsgiApp app, ILogger logger, long maxBody)
    {
        if (!Admit(context, logger, maxBody))
        {
            return Task.CompletedTask;
        }

        AsgiConnection connection = AsgiWebSocket.IsUpgrade(context) && context.WebSockets.IsWebSocketRequest
            ? new AsgiWebSocket(context, app, logger)
            : new AsgiHttpRequest(context, app, logger);
        connection.Post();
        return connection.Completion;
    }

    private static Task Handle(HttpContext context, WsgiApp app, PythonThreadPool pool, ILogger logger, long maxBody, int maxPending)
    {
        if (!Admit(context, logger, maxBody))
        {
            return Task.CompletedTask;
        }

        if (maxPending > 0 && pool.Queued >= maxPending)
        {
            // Admission control (--max-pending): a request that would only wait behind this many
            // others is refused now, cheaply, rather than time out later (Granian bounds
            // connections instead, which idle keep-alive connections exhaust; its README).
            Log.Overloaded(logger, context.Request.Method, maxPending);
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            context.Response.Headers.RetryAfter = "1";
            return Task.CompletedTask;
        }

        var request = new WsgiRequest(context, app, logger);
        pool.Enqueue(request);
        return request.Completion;
    }

    public partial async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        Log.ShuttingDown(_logger);
        await _web.StopAsync(cancellationToken).ConfigureAwait(false);
        await StopLifespansAsync(_lifespans, cancellationToken).ConfigureAwait(false);
        _watchdog?.Dispose();
        foreach (var watchdog in _asgiWatchdogs)
        {
            watchdog.Dispose();
        }

        _pool?.Dispose();
        await _web.DisposeAsync().ConfigureAwait(false);
    }

    public partial Task WaitForShutdownAsync(CancellationToken cancellationToken) =>
        Microsoft.Extensions.Hosting.HostingAbstractionsHostExtensions.WaitForShutdownAsync(_web, cancellationToken);
}
