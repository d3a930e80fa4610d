using Dram.Python;
using Dram.Server.Wsgi;

namespace Dram.Server;

public sealed partial class DramServer
{
    private RequestWatchdog? _watchdog;

    /// <summary>
    /// Cancelled when a request has stayed stuck outside Python past --timeout and its grace
    /// period: its thread cannot be freed from inside, so whoever runs this server should replace
    /// the process (a supervisor restarts the worker).
    /// </summary>
    public CancellationToken Unhealthy => _watchdog?.Unhealthy ?? CancellationToken.None;

    private void StartWatchdog(DramServerOptions options, PythonRuntime runtime, WsgiApp app)
    {
        if (options.Timeout > TimeSpan.Zero)
        {
            _watchdog = new RequestWatchdog(options.Timeout, runtime, app.TimeoutType, _logger);
        }
    }
}
