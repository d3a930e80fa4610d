using System.Net;
using System.Reflection;
using System.Text;
using Dram.Python;
using Dram.Server.Asgi;
using Dram.Server.Hosting;
using Dram.Server.Logging;
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

        var runtime = StartPython(options, errorLog);
        Log.UsingPython(logger, runtime.Installation.Version, runtime.Installation.Executable);

        var loaded = LoadApp(options, runtime, logger);
        var pool = loaded.Wsgi is null ? null : new PythonThreadPool("py-wsgi", options.Threads, e => Log.InternalError(logger, e));
        var lifespan = loaded.Asgi is { } asgiApp ? new AsgiLifespan(asgiApp, options.Lifespan, logger) : null;
        lifespan?.Startup();
        var drain = new Drain(new DrainableTransport(), options.MaxRequests);
        var web = BuildWebApplication(options, errorLog, loaded, pool, drain);
        try
        {
            await web.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            pool?.Dispose();
            await web.DisposeAsync().ConfigureAwait(false);
            if (lifespan is not null)
            {
                await lifespan.ShutdownAsync(CancellationToken.None).ConfigureAwait(false);
            }

            var reason = e.InnerException is AddressInUseException ? "address already in use" : e.Message;
            throw BindAddress.ListenFailed(reason, options.EffectiveBinds);
        }

        var server = new DramServer(web, pool, logger)
        {
            _drain = drain,
            Urls = [.. web.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
                .Features.GetRequiredFeature<IServerAddressesFeature>().Addresses],
        };
        server._lifespan = lifespan;
        server._asgiApp = loaded.Asgi;
        server.StartWatchdog(options, runtime, loaded);
        if (loaded.Asgi is { } asgi)
        {
            Log.ServingAsgi(logger, asgi.Name, asgi.Loop.Implementation);
        }
        else
        {
            Log.Serving(logger, loaded.Wsgi!.Name, options.Threads);
        }
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

    private static LoadedApp LoadApp(DramServerOptions options, PythonRuntime runtime, ILogger logger)
    {
        if (options.Chdir is { } chdir)
        {
            try
            {
                Directory.SetCurrentDirectory(chdir);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new DramStartupException(ExitCodes.Usage, $"cannot change directory to '{chdir}': {e.Message}");
            }
        }

        // gunicorn puts the working directory first on sys.path, then --pythonpath entries.
        List<string> sysPath = [Directory.GetCurrentDirectory(), .. options.PythonPath.Select(Path.GetFullPath)];
        var (callable, asgi) = runtime.RunOnMainThread(() =>
        {
            var loaded = WsgiApp.LoadCallable(options.App, options.Factory, sysPath);
            // The built-in welcome app (no APP given) is WSGI whatever --interface says.
            var isAsgi = options.App is not null && options.Interface switch
            {
                AppInterface.Asgi => true,
                AppInterface.Wsgi => false,
                _ => AsgiApp.IsAsgi(loaded.Borrow()),
            };
            return (loaded, isAsgi);
        });
        if (!asgi)
        {
            return new LoadedApp(runtime.RunOnMainThread(() => WsgiApp.Create(callable, options.App, options.Threads, options.Multiprocess)), null);
        }

        PythonEventLoop loop;
        try
        {
            loop = PythonEventLoop.Start(runtime, options.Loop.ToString().ToLowerInvariant(), e => Log.LoopError(logger, e.Message));
        }
        catch (PythonException e)
        {
            throw new DramStartupException(ExitCodes.Usage, $"cannot start the {options.Loop.ToString().ToLowerInvariant()} event loop: {e.TypeName}: {e.PythonMessage}");
        }

        return new LoadedApp(null, runtime.RunOnMainThread(() => AsgiApp.Create(callable, options.App!, loop, options)));
    }

    /// <summary>The app, as whichever interface it speaks.</summary>
    private sealed record LoadedApp(WsgiApp? Wsgi, AsgiApp? Asgi);

    private static WebApplication BuildWebApplication(DramServerOptions options, ErrorLog errorLog, LoadedApp app, PythonThreadPool? pool, Drain drain)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Trace); // ErrorLog filters per category (--log-level, --log-config)
        builder.Logging.AddProvider(errorLog);
        var binds = options.ListenHandles.Count > 0 ? [] : options.EffectiveBinds.Select(BindAddress.ParseOrFail).ToList();
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel => ConfigureKestrel(kestrel, options, binds, drain));

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
            sockets.UnsafePreferInlineScheduling = app.Asgi is not null;
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
        FieldSizeLimit.UseIfEnabled(web, options, errorLog);
        var trusted = TrustedProxiesFrom(options);
        var maxBody = options.MaxRequestBody;
        var maxPending = options.MaxPending;
        if (app.Asgi is { } asgi)
        {
            var asgiLogger = errorLog.CreateLogger("dram.asgi");
            // Only upgrade requests go through the WebSocket middleware: it allocates a handshake
            // feature for every request that could upgrade, which is every HTTP/1.1 request.
            web.UseWhen(AsgiWebSocket.IsUpgrade, branch => branch.UseWebSockets(AsgiWebSocket.Options(options)));
            web.Run(context =>
            {
                drain.OnRequest(context);
                ForwardedHeaders.Apply(context, trusted);
                return HandleAsgi(context, asgi, asgiLogger, maxBody);
            });
            return web;
        }

        var requestLogger = errorLog.CreateLogger("dram.wsgi");
        web.Run(context =>
        {
            drain.OnRequest(context);
            ForwardedHeaders.Apply(context, trusted);
            return Handle(context, app.Wsgi!, pool!, requestLogger, maxBody, maxPending);
        });
        return web;
    }

    private static void ConfigureKestrel(KestrelServerOptions kestrel, DramServerOptions options, List<BindAddress> binds, Drain drain)
    {
        kestrel.AddServerHeader = false;
        KestrelLimits.Apply(kestrel, options); // before any Listen*: it sets endpoint defaults

        // PEP 3333 native strings are latin-1 both ways; Kestrel's defaults are UTF-8 in and
        // ASCII-only out (design/NOTES.md).
        kestrel.RequestHeaderEncodingSelector = static _ => Encoding.Latin1;
        kestrel.ResponseHeaderEncodingSelector = static _ => Encoding.Latin1;
        void Configure(ListenOptions listen)
        {
            listen.Protocols = HttpProtocols.Http1;
            listen.Use(drain.Track);
        }

        foreach (var handle in options.ListenHandles)
        {
            kestrel.ListenHandle((ulong)handle, Configure);
        }

        foreach (var bind in binds)
        {
            // In one process (no supervisor) Kestrel binds unix: itself, with the process's umask.
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
            context.Response.Headers.Connection = "close";
            return false;
        }

        if (RequestRules.Check(context.Request) is { } violation)
        {
            // Kestrel let it through, but the RFCs make it malformed or ambiguous: 400, and the
            // connection closes (its framing cannot be trusted). The app never sees it.
            Log.RequestRejected(logger, context.Request.Method, context.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget, violation);
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            context.Response.Headers.Connection = "close";
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
        if (_lifespan is not null)
        {
            await _lifespan.ShutdownAsync(cancellationToken).ConfigureAwait(false);
        }

        _watchdog?.Dispose();
        _asgiWatchdog?.Dispose();
        _pool?.Dispose();
        await _web.DisposeAsync().ConfigureAwait(false);
    }

    public partial Task WaitForShutdownAsync(CancellationToken cancellationToken) =>
        Microsoft.Extensions.Hosting.HostingAbstractionsHostExtensions.WaitForShutdownAsync(_web, cancellationToken);
}
