using Dram.Python;
using Dram.Server.Asgi;
using Dram.Server.Wsgi;

namespace Dram.Server;

public sealed partial class DramServer
{
    private RequestWatchdog? _watchdog;
    private List<AsgiWatchdog> _asgiWatchdogs = [];
    private List<AsgiLifespan> _lifespans = [];
    private IReadOnlyList<AsgiApp> _asgiApps = [];

    /// <summary>
    /// Cancelled when a request has stayed stuck outside Python past --timeout and its grace
    /// period: its thread cannot be freed from inside, so whoever runs this server should replace
    /// the process (a supervisor restarts the worker).
    /// </summary>
    public CancellationToken Unhealthy => _watchdog?.Unhealthy ?? CancellationToken.None;

    private void StartWatchdog(DramServerOptions options, PythonRuntime runtime, LoadedApps apps)
    {
        if (options.Timeout <= TimeSpan.Zero)
        {
            return;
        }

        // One timer for every WSGI app (they share the RequestTimeout type of the support
        // module); one per ASGI app, each cancelling only its own app's requests.
        _asgiWatchdogs = [.. apps.Asgi.Select(asgi => new AsgiWatchdog(asgi, options.Timeout, _logger))];
        if (apps.Wsgi.Count > 0)
        {
            _watchdog = new RequestWatchdog(options.Timeout, runtime, apps.Wsgi[0].TimeoutType, _logger);
        }
    }
}
