using System.Net;
using System.Net.Sockets;
using Dram.Tests.Support;

namespace Dram.Tests.Asgi;

/// <summary>
/// The same ASGI app under uvicorn (Debian's python3-uvicorn, one process), the reference Dram is
/// compared with, as <see cref="Apps.GunicornServer"/> is for WSGI apps. It imports the very same
/// module from tests/apps. Started by a class fixture and killed with its process tree on dispose.
/// </summary>
public class UvicornServer(string app) : IAsyncLifetime
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private ChildProcess? _process;

    /// <summary>Base URL, no trailing slash.</summary>
    public string Url { get; private set; } = "";

    /// <summary>What uvicorn and the app wrote to standard error so far.</summary>
    public string ErrorLog => _process?.Stderr ?? "";

    public async Task InitializeAsync()
    {
        var port = FreePort();
        _process = ChildProcess.Start(
            PythonFixture.Interpreter,
            ["-m", "uvicorn", "--host", "127.0.0.1", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
             "--app-dir", RepoPaths.Apps, "--no-access-log", app],
            RepoPaths.Apps);
        Url = $"http://127.0.0.1:{port}";
        try
        {
            await _process.WaitForStderrLineAsync(l => l.Contains("Uvicorn running on", StringComparison.Ordinal), StartTimeout);
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException)
        {
            throw new InvalidOperationException($"uvicorn serving {app} never started:\n{ErrorLog}", e);
        }
    }

    public Task DisposeAsync()
    {
        _process?.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>A port nothing listens on right now (if another process takes it first, start-up fails loudly).</summary>
    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
