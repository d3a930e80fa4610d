using System.Net;
using System.Net.Sockets;
using Dram.Tests.Support;

namespace Dram.Tests.Apps;

/// <summary>
/// The same app under gunicorn (one sync worker, Debian's interpreter), the reference Dram is
/// compared with. It serves tests/apps like the in-process server does, so both import the very
/// same module. Started by a class fixture and killed with its whole process tree on dispose.
/// </summary>
public class GunicornServer : IAsyncLifetime
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private readonly string _app;
    private readonly IReadOnlyDictionary<string, string?>? _environment;
    private ChildProcess? _process;

    public GunicornServer(string app, IReadOnlyDictionary<string, string?>? environment = null)
    {
        _app = app;
        _environment = environment;
    }

    /// <summary>Base URL, no trailing slash.</summary>
    public string Url { get; private set; } = "";

    /// <summary>What gunicorn and the app wrote to standard error so far (tracebacks, warnings).</summary>
    public string ErrorLog => _process?.Stderr ?? "";

    public virtual async Task InitializeAsync()
    {
        var port = FreePort();
        _process = ChildProcess.Start(
            PythonFixture.Interpreter,
            ["-m", "gunicorn", "-w", "1", "-b", $"127.0.0.1:{port}", "--chdir", RepoPaths.Apps, _app],
            RepoPaths.Apps,
            _environment);
        Url = $"http://127.0.0.1:{port}";

        // The worker logs this before it imports the app; requests sent meanwhile wait in the
        // listen backlog, so the first answer below is the readiness signal.
        await _process.WaitForStderrLineAsync(l => l.Contains("Booting worker", StringComparison.Ordinal), StartTimeout);
        using var http = new HttpClient { Timeout = StartTimeout };
        try
        {
            using var response = await http.GetAsync(new Uri(Url + "/"));
        }
        catch (HttpRequestException e)
        {
            throw new InvalidOperationException($"gunicorn serving {_app} never answered:\n{ErrorLog}", e);
        }
    }

    public virtual Task DisposeAsync()
    {
        _process?.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>
    /// A port nothing listens on right now. Another process could take it before gunicorn binds;
    /// then gunicorn exits and <see cref="InitializeAsync"/> fails loudly with its log.
    /// </summary>
    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
