using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Dram.Tests.Cli;
using Dram.Tests.Support;
using Dram.Tests.Supervision;

namespace Dram.Tests.Deploy;

/// <summary>
/// Debian's nginx, started as root from tests/nginx/nginx-test.conf (which includes
/// docs/deploy/dram-proxy.conf), in front of the real dram with two workers on a Unix socket.
/// Shared by the tests of one class; nginx's workers run as nobody, so the directory is 0755.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class NginxFront : IAsyncLifetime
{
    private const string Nginx = "/usr/sbin/nginx";

    private readonly string _dir;
    private ChildProcess? _dram;
    private ChildProcess? _nginx;

    public NginxFront()
    {
        _dir = Directory.CreateTempSubdirectory("dram-nginx-").FullName;
        File.SetUnixFileMode(_dir, (UnixFileMode)0x1ED); // 0755: nginx's workers (nobody) reach the socket
    }

    public string Socket => Path.Combine(_dir, "dram.sock");

    /// <summary>The nginx listener, http://127.0.0.1:PORT.</summary>
    public Uri Front { get; private set; } = null!;

    public string Host => Front.Authority;

    public async Task InitializeAsync()
    {
        Assert.True(File.Exists(Nginx), "nginx is not installed: ./test installs Debian's nginx (tests/debian-packages.txt)");
        foreach (var app in new[] { "deploy_app.py", "deploy_ws.py" })
        {
            File.Copy(Path.Combine(CliTestPaths.RepoRoot, "tests", "apps", app), Path.Combine(_dir, app));
        }

        // A WSGI app for everything, and an ASGI app mounted at /ws beside it.
        _dram = DramProcess.Start(
            "--python", Supervised.Python, "--chdir", _dir, "--workers", "2", "--bind", "unix:" + Socket,
            "--mount", "/ws=deploy_ws:app", "deploy_app:app");
        await _dram.WaitForListeningAsync();

        var port = FreePort();
        var config = (await File.ReadAllTextAsync(Path.Combine(CliTestPaths.RepoRoot, "tests", "nginx", "nginx-test.conf")))
            .Replace("@DIR@", _dir, StringComparison.Ordinal)
            .Replace("@PORT@", port.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("@REPO@", CliTestPaths.RepoRoot, StringComparison.Ordinal);
        var configPath = Path.Combine(_dir, "nginx.conf");
        await File.WriteAllTextAsync(configPath, config);
        _nginx = ChildProcess.Start(Nginx, ["-p", _dir, "-c", configPath], _dir);
        Front = new Uri($"http://127.0.0.1:{port}");
        await WaitUntilAcceptingAsync(port);
    }

    public async Task DisposeAsync()
    {
        foreach (var process in new[] { _nginx, _dram })
        {
            if (process is null)
            {
                continue;
            }

            await ChildProcess.RunAsync("kill", ["-TERM", process.Pid.ToString(CultureInfo.InvariantCulture)], _dir);
            await process.WaitForExitAsync(TimeSpan.FromSeconds(60));
            process.Dispose();
        }

        Directory.Delete(_dir, recursive: true);
    }

    /// <summary>nginx's error log, for assertion messages.</summary>
    public string NginxErrors => File.Exists(Path.Combine(_dir, "nginx-error.log")) ? File.ReadAllText(Path.Combine(_dir, "nginx-error.log")) : "";

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    // nginx says nothing when it is ready; a connection being accepted is the signal.
    private async Task WaitUntilAcceptingAsync(int port)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            if (_nginx!.HasExited)
            {
                Assert.Fail("nginx exited: " + _nginx.Stderr + NginxErrors);
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
        }
    }
}
