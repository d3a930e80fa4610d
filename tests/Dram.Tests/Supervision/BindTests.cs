using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Dram.Tests.Cli;
using Dram.Tests.Support;

namespace Dram.Tests.Supervision;

/// <summary>
/// <c>--bind unix:PATH</c>, <c>--bind fd://N</c>, <c>--umask</c> and <c>--pid</c> against the real
/// dram supervisor and its workers: the socket file's mode as <c>stat</c> reports it, stale and
/// foreign files at the path, the file's removal at exit, an inherited listening socket passed
/// as descriptor 3 by a wrapper that execs dram, and the pid file's life.
/// </summary>
public sealed partial class BindTests : IDisposable
{
    // Answers the pid of the worker that served, so a test can tell the workers apart.
    private const string AppSource = """
        import os

        def app(environ, start_response):
            body = ("pid=%d" % os.getpid()).encode()
            start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
            return [body]
        """;

    // Binds a socket (listening unless LISTEN=0), puts it at descriptor 3, clears its
    // close-on-exec flag, prints its port, and execs the rest of the command line: systemd's
    // socket activation in miniature.
    private const string Wrapper = """
        import os, socket, sys
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind(("127.0.0.1", 0))
        if os.environ.get("LISTEN") != "0":
            s.listen(16)
        if s.fileno() != 3:
            os.dup2(s.fileno(), 3)
        os.set_inheritable(3, True)
        print("port %d" % s.getsockname()[1], flush=True)
        os.execvp(sys.argv[1], sys.argv[1:])
        """;

    private readonly string _dir = Directory.CreateTempSubdirectory("dram-binds-").FullName;

    private string Sock => Path.Combine(_dir, "app.sock");

    public BindTests() => File.WriteAllText(Path.Combine(_dir, "bind_app.py"), AppSource);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private ChildProcess Start(params string[] args) =>
        DramProcess.Start(["--python", Supervised.Python, "--chdir", _dir, .. args, "bind_app:app"]);

    private static async Task<string> ModeAsync(string path)
    {
        var stat = await ChildProcess.RunAsync("stat", ["-c", "%a %F", path], CliTestPaths.RepoRoot);
        Assert.True(stat.ExitCode == 0, stat.ToString());
        return stat.Stdout.Trim();
    }

    /// <summary>An HttpClient that connects to a Unix socket, one new connection per request.</summary>
    internal static HttpClient UnixClient(string path) => new(new SocketsHttpHandler
    {
        // A new connection per request, so each accept is a fresh race between the workers.
        PooledConnectionLifetime = TimeSpan.Zero,
        ConnectCallback = async (_, cancellationToken) =>
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    });

    private static async Task<int> ServedByAsync(HttpClient http, string url)
    {
        using var response = await http.GetAsync(new Uri(url));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        return int.Parse(PidInBody().Match(body).Groups[1].Value, CultureInfo.InvariantCulture);
    }

    private static async Task StopAsync(ChildProcess process)
    {
        var kill = await ChildProcess.RunAsync("kill", ["-TERM", process.Pid.ToString(CultureInfo.InvariantCulture)], CliTestPaths.RepoRoot);
        Assert.True(kill.ExitCode == 0, kill.ToString());
        var result = await process.WaitForExitAsync();
        Assert.True(result.ExitCode == 0, result.ToString());
    }

    /// <summary>Stderr less the log lines: what a user sees as the error.</summary>
    private static string[] ErrorLines(ChildProcessResult result) =>
        [.. result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith('['))];

    private static void AssertOneLineError(ChildProcessResult result, int exitCode, string contains)
    {
        Assert.True(result.ExitCode == exitCode, result.ToString());
        var line = Assert.Single(ErrorLines(result));
        Assert.StartsWith("dram: error: ", line, StringComparison.Ordinal);
        Assert.Contains(contains, line, StringComparison.Ordinal);
        result.AssertNoStackTrace();
    }

    [Fact]
    public async Task Unix_ServesWithMode0777ByDefault_FileRemovedAtSigterm()
    {
        using var dram = Start("-b", "unix:" + Sock);
        Assert.Equal("unix:" + Sock, await dram.WaitForListeningAsync());
        using var http = UnixClient(Sock);

        var pid = await ServedByAsync(http, "http://localhost/");

        Assert.NotEqual(dram.Pid, pid);
        Assert.Equal("777 socket", await ModeAsync(Sock));
        await StopAsync(dram);
        Assert.False(File.Exists(Sock), "the socket file outlived dram");
    }

    [Fact]
    public async Task Unix_Umask077_Mode0700()
    {
        using var dram = Start("-b", "unix:" + Sock, "--umask", "077");
        await dram.WaitForListeningAsync();

        Assert.Equal("700 socket", await ModeAsync(Sock));
        await StopAsync(dram);
    }

    [Fact]
    public async Task Unix_BesideTcp_BothServe()
    {
        using var dram = Start("-b", "127.0.0.1:0", "-b", "unix:" + Sock);
        var url = await dram.WaitForListeningAsync();
        await dram.WaitForStderrLineAsync(l => l.Contains("Listening at: unix:" + Sock, StringComparison.Ordinal), Supervised.Deadline);
        using var unix = UnixClient(Sock);
        using var tcp = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.Zero });

        Assert.Equal(await ServedByAsync(tcp, url + "/"), await ServedByAsync(unix, "http://localhost/"));
        await StopAsync(dram);
    }

    [Fact]
    public async Task Unix_StaleSocketFile_IsReplaced()
    {
        // A socket file nobody listens on, as a server killed with SIGKILL leaves behind.
        var stale = await ChildProcess.RunAsync("python3",
            ["-c", "import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])", Sock], CliTestPaths.RepoRoot);
        Assert.True(stale.ExitCode == 0, stale.ToString());
        Assert.EndsWith(" socket", await ModeAsync(Sock), StringComparison.Ordinal);

        using var dram = Start("-b", "unix:" + Sock);
        await dram.WaitForListeningAsync();
        using var http = UnixClient(Sock);

        await ServedByAsync(http, "http://localhost/");
        Assert.Equal("777 socket", await ModeAsync(Sock));
        await StopAsync(dram);
    }

    [Fact]
    public async Task Unix_RegularFileAtThePath_RefusedAndKept()
    {
        await File.WriteAllTextAsync(Sock, "precious");

        using var dram = Start("-b", "unix:" + Sock);
        var result = await dram.WaitForExitAsync();

        AssertOneLineError(result, 1, "exists and is not a socket");
        Assert.Equal("precious", await File.ReadAllTextAsync(Sock));
    }

    [Fact]
    public async Task Unix_SocketSomeoneListensOn_RefusedAndKept()
    {
        using var other = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        other.Bind(new UnixDomainSocketEndPoint(Sock));
        other.Listen();

        using var dram = Start("-b", "unix:" + Sock);
        var result = await dram.WaitForExitAsync();

        AssertOneLineError(result, 1, "address already in use");
        Assert.True(File.Exists(Sock));
    }

    [Fact]
    public async Task Unix_TwoWorkers_BothServe_SocketOutlivesAWorkersExit()
    {
        using var dram = Start("-b", "unix:" + Sock, "-w", "2");
        await dram.WaitForListeningAsync();
        await dram.WaitForStderrLineAsync(l => l.Contains("(2 of 2 workers serving)", StringComparison.Ordinal), Supervised.Deadline);
        using var http = UnixClient(Sock);

        var seen = new HashSet<int>();
        using (var deadline = new CancellationTokenSource(Supervised.Deadline))
        {
            while (seen.Count < 2 && !deadline.IsCancellationRequested)
            {
                seen.Add(await ServedByAsync(http, "http://localhost/"));
            }
        }

        var booted = Supervised.BootingPids(dram.Stderr);
        Assert.Equal(booted.Order(), seen.Order());

        // A worker that exits closes only its own descriptor; the file and the socket stay.
        var kill = await ChildProcess.RunAsync("kill", ["-TERM", booted[0].ToString(CultureInfo.InvariantCulture)], CliTestPaths.RepoRoot);
        Assert.True(kill.ExitCode == 0, kill.ToString());
        await dram.WaitForStderrLineAsync(l => l.Contains($"Worker {booted[0]} ", StringComparison.Ordinal) && l.Contains("exit", StringComparison.Ordinal), Supervised.Deadline);
        Assert.Equal("777 socket", await ModeAsync(Sock));
        Assert.NotEqual(booted[0], await ServedByAsync(http, "http://localhost/"));
        await StopAsync(dram);
    }

    private ChildProcess StartWrapped(IReadOnlyDictionary<string, string?> environment, params string[] args)
    {
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        var applied = Environment.GetEnvironmentVariables().Keys.Cast<string>()
            .Where(k => k.StartsWith("DRAM_", StringComparison.OrdinalIgnoreCase))
            .ToDictionary(k => k, string? (_) => null);
        foreach (var (name, value) in environment)
        {
            applied[name] = value;
        }

        return ChildProcess.Start("python3",
            ["-c", Wrapper, dotnet, CliTestPaths.DramDll(), "--python", Supervised.Python, "--chdir", _dir, .. args, "bind_app:app"],
            CliTestPaths.RepoRoot, applied);
    }

    [Fact]
    public async Task Fd_InheritedListeningSocket_ServedByTheWorkers()
    {
        using var dram = StartWrapped(new Dictionary<string, string?>(), "-b", "fd://3", "-w", "2");
        var portLine = await dram.WaitForStdoutLineAsync(l => l.StartsWith("port ", StringComparison.Ordinal), Supervised.Deadline);
        var port = int.Parse(portLine["port ".Length..], CultureInfo.InvariantCulture);

        Assert.Equal("fd://3", await dram.WaitForListeningAsync());
        await dram.WaitForStderrLineAsync(l => l.Contains("(2 of 2 workers serving)", StringComparison.Ordinal), Supervised.Deadline);
        using var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.Zero });
        var pid = await ServedByAsync(http, $"http://127.0.0.1:{port}/");

        Assert.Contains(pid, Supervised.BootingPids(dram.Stderr));
        await StopAsync(dram);
    }

    [Fact]
    public async Task Fd_NotListening_Exit2OneLine()
    {
        using var dram = StartWrapped(new Dictionary<string, string?> { ["LISTEN"] = "0" }, "-b", "fd://3");
        var result = await dram.WaitForExitAsync();

        AssertOneLineError(result, 2, "fd://3 cannot be served: the socket is not listening");
    }

    [Fact]
    public async Task Fd_NotOpen_Exit2OneLine()
    {
        using var dram = Start("-b", "fd://1000");
        var result = await dram.WaitForExitAsync();

        AssertOneLineError(result, 2, "fd://1000 cannot be served: no such descriptor is open");
    }

    [Fact]
    public async Task PidFile_HoldsTheSupervisorsPid_RemovedAtExit()
    {
        var pidFile = Path.Combine(_dir, "dram.pid");
        using var dram = Start("-b", "unix:" + Sock, "--pid", pidFile);
        await dram.WaitForListeningAsync();

        Assert.Equal(dram.Pid.ToString(CultureInfo.InvariantCulture), (await File.ReadAllTextAsync(pidFile)).Trim());
        await StopAsync(dram);
        Assert.False(File.Exists(pidFile), "the pid file outlived dram");
    }

    [Fact]
    public async Task PidFile_Unwritable_Exit2OneLine()
    {
        using var dram = Start("-b", "unix:" + Sock, "--pid", Path.Combine(_dir, "no-such-dir", "dram.pid"));
        var result = await dram.WaitForExitAsync();

        AssertOneLineError(result, 2, "cannot write the pid file");
        Assert.False(File.Exists(Sock), "nothing should be bound");
    }

    [GeneratedRegex(@"pid=(\d+)")]
    private static partial Regex PidInBody();
}
