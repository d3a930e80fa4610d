using Dram.Python;
using Dram.Server.Asgi;
using Dram.Server.Logging;
using Dram.Server.Wsgi;
using Microsoft.Extensions.Logging;

namespace Dram.Server;

public sealed partial class DramServer
{
    /// <summary>One app the server runs, as whichever interface it speaks, and its mount prefix ("" for the positional APP).</summary>
    private sealed record ServedApp(string Prefix, WsgiApp? Wsgi, AsgiApp? Asgi)
    {
        public string Name => Wsgi?.Name ?? Asgi!.Name;
    }

    /// <summary>The positional app (null when only mounts were given) and the mounted ones.</summary>
    private sealed record LoadedApps(ServedApp? Root, IReadOnlyList<ServedApp> Mounts)
    {
        public IEnumerable<ServedApp> All => Root is null ? Mounts : [Root, .. Mounts];

        public IReadOnlyList<AsgiApp> Asgi => [.. All.Where(a => a.Asgi is not null).Select(a => a.Asgi!)];

        public IReadOnlyList<WsgiApp> Wsgi => [.. All.Where(a => a.Wsgi is not null).Select(a => a.Wsgi!)];
    }

    private static LoadedApps LoadApps(DramServerOptions options, PythonRuntime runtime, ILogger logger)
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
        PythonEventLoop? loop = null;

        // --interface and --factory describe the positional APP; each mount is a plain attribute
        // whose interface is detected on its own, so WSGI and ASGI apps can sit side by side.
        // The built-in welcome app (no APP, no mounts) is WSGI whatever --interface says.
        ServedApp? root = null;
        if (options.App is not null || options.Mounts.Count == 0)
        {
            root = Load("", options.App, options.Factory, options.App is null ? AppInterface.Wsgi : options.Interface);
        }

        var mounts = new List<ServedApp>();
        foreach (var mount in CheckedMounts(options.Mounts))
        {
            try
            {
                mounts.Add(Load(mount.Prefix, mount.App, factory: false, AppInterface.Auto));
            }
            catch (DramStartupException e)
            {
                throw new DramStartupException(e.ExitCode, $"{e.Message} (--mount {mount.Prefix})", e.Detail);
            }
        }

        return new LoadedApps(root, mounts);

        ServedApp Load(string prefix, string? spec, bool factory, AppInterface face)
        {
            var (callable, asgi) = runtime.RunOnMainThread(() =>
            {
                var loaded = WsgiApp.LoadCallable(spec, factory, sysPath);
                var isAsgi = face switch
                {
                    AppInterface.Asgi => true,
                    AppInterface.Wsgi => false,
                    _ => AsgiApp.IsAsgi(loaded.Borrow()),
                };
                return (loaded, isAsgi);
            });
            if (!asgi)
            {
                return new ServedApp(prefix, runtime.RunOnMainThread(() => WsgiApp.Create(callable, spec, options.Threads, options.Multiprocess)), null);
            }

            loop ??= StartLoop(options, runtime, logger);
            return new ServedApp(prefix, null, runtime.RunOnMainThread(() => AsgiApp.Create(callable, spec!, loop, options)));
        }
    }

    /// <summary>
    /// The mounts with their prefixes normalised as the command line does ("/api/" is "/api"), for
    /// options built in code; a prefix that cannot be one, or one given twice, is a usage error.
    /// </summary>
    private static List<AppMount> CheckedMounts(IEnumerable<AppMount> mounts)
    {
        var checkedMounts = new List<AppMount>();
        foreach (var mount in mounts)
        {
            var prefix = AppMount.NormalizePrefix(mount.Prefix, out var error)
                ?? throw new DramStartupException(ExitCodes.Usage, $"invalid --mount '{mount.Prefix}={mount.App}': {error}");
            if (checkedMounts.Exists(m => m.Prefix == prefix))
            {
                throw new DramStartupException(ExitCodes.Usage, $"invalid --mount '{mount.Prefix}={mount.App}': the prefix {prefix} is already mounted");
            }

            checkedMounts.Add(mount with { Prefix = prefix });
        }

        return checkedMounts;
    }

    /// <summary>The one event loop of the process, started by the first ASGI app.</summary>
    private static PythonEventLoop StartLoop(DramServerOptions options, PythonRuntime runtime, ILogger logger)
    {
        try
        {
            return PythonEventLoop.Start(runtime, options.Loop.ToString().ToLowerInvariant(), e => Log.LoopError(logger, e.Message));
        }
        catch (PythonException e)
        {
            throw new DramStartupException(ExitCodes.Usage, $"cannot start the {options.Loop.ToString().ToLowerInvariant()} event loop: {e.TypeName}: {e.PythonMessage}");
        }
    }

    /// <summary>
    /// lifespan.startup for every ASGI app, in order; when one fails, the ones already started
    /// get their shutdown before the failure is thrown, naming the mount.
    /// </summary>
    private static List<AsgiLifespan> StartLifespans(DramServerOptions options, LoadedApps apps, ILogger logger)
    {
        var started = new List<AsgiLifespan>();
        foreach (var app in apps.All.Where(a => a.Asgi is not null))
        {
            var lifespan = new AsgiLifespan(app.Asgi!, options.Lifespan, logger);
            try
            {
                lifespan.Startup();
            }
            catch (DramStartupException e)
            {
                StopLifespansAsync(started, CancellationToken.None).GetAwaiter().GetResult();
                throw app.Prefix.Length == 0 ? e : new DramStartupException(e.ExitCode, $"{e.Message} (--mount {app.Prefix})", e.Detail);
            }

            started.Add(lifespan);
        }

        return started;
    }

    /// <summary>lifespan.shutdown for every started app, last started first.</summary>
    private static async Task StopLifespansAsync(List<AsgiLifespan> lifespans, CancellationToken cancellationToken)
    {
        for (var i = lifespans.Count - 1; i >= 0; i--)
        {
            await lifespans[i].ShutdownAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static void LogServing(ILogger logger, DramServerOptions options, LoadedApps apps)
    {
        foreach (var app in apps.All)
        {
            if (app.Prefix.Length > 0)
            {
                Log.Mounted(logger, app.Asgi is null ? "WSGI" : "ASGI", app.Name, app.Prefix);
            }
            else if (app.Asgi is { } asgi)
            {
                Log.ServingAsgi(logger, asgi.Name, asgi.Loop.Implementation);
            }
            else
            {
                Log.Serving(logger, app.Name, options.Threads);
            }
        }

        if (apps.Root is null)
        {
            Log.NoRootApp(logger);
        }
    }
}
