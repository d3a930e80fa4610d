using Dram.Python;
using Dram.Server.Asgi;
using Dram.Server.Wsgi;

namespace Dram.Server;

public sealed partial class DramServer
{
    private RequestWatchdog? _watchdog;
    private AsgiWatchdog? _asgiWatchdog;
    private AsgiLifespan? _lifespan;
    private AsgiApp? _asgiApp;

    /// <summary>
    /// Cancelled when a request has stayed stuck outside Python past --timeout and its grace
    /// period: its thread cannot be freed from inside, so whoever runs this server should replace
    /// the process (a supervisor restarts the worker).
    /// </summary>
    public CancellationToken Unhealthy => _watchdog?.Unhealthy ?? CancellationToken.None;

    private void StartWatchdog(DramServerOptions options, PythonRuntime runtime, LoadedApp app)
    {
        if (options.Timeout <= TimeSpan.Zero)
        {
            return;
        }

        if (app.Asgi is { } asgi)
        {
            _asgiWatchdog = new AsgiWatchdog(asgi, options.Timeout, _logger);
        }
        else
        {
            _watchdog = new RequestWatchdog(options.Timeout, runtime, app.Wsgi!.TimeoutType, _logger);
        }
    }
}
