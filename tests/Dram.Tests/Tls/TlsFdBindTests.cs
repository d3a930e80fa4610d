using System.Net;
using Dram.Tests.Cli;
using Dram.Tests.Supervision;
using Dram.Tests.Support;

namespace Dram.Tests.Tls;

/// <summary>
/// An <c>fd://3</c> socket with --certfile: the supervisor looks at its family, so a TCP socket
/// speaks TLS and a Unix socket stays cleartext HTTP/1.1, like the binds of the same kinds.
/// </summary>
public sealed class TlsFdBindTests : IDisposable
{
    // Puts a listening socket of the family in $FAMILY at descriptor 3 (close-on-exec cleared), prints
    // where it listens, and execs the rest of the command line: systemd's socket activation in miniature.
    private const string Wrapper = """
        import os, socket, sys
        if os.environ["FAMILY"] == "unix":
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.bind(os.environ["SOCKET"])
        else:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
        s.listen(16)
        if s.fileno() != 3:
            os.dup2(s.fileno(), 3)
        os.set_inheritable(3, True)
        print("at %s" % (s.getsockname() if os.environ["FAMILY"] == "unix" else s.getsockname()[1]), flush=True)
        os.execvp(sys.argv[1], sys.argv[1:])
        """;

    private readonly TestCertificates _certificates = new();

    public void Dispose() => _certificates.Dispose();

    [Theory]
    [InlineData("tcp")]
    [InlineData("unix")]
    public async Task FdSocket_WithCertfile_ProtocolFollowsItsFamily(string family)
    {
        var socket = Path.Combine(_certificates.Directory, "fd.sock");
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        using var dram = ChildProcess.Start(PythonFixture.DefaultInterpreter,
            ["-c", Wrapper, dotnet, CliTestPaths.DramDll(), "--python", PythonFixture.Interpreter, "--chdir", RepoPaths.Apps,
             "-b", "fd://3", "--certfile", _certificates.ServerCert, "--keyfile", _certificates.ServerKey, "wsgi_echo:app"],
            CliTestPaths.RepoRoot, new Dictionary<string, string?> { ["FAMILY"] = family, ["SOCKET"] = socket, ["DRAM_BIND"] = null });
        var at = await dram.WaitForStdoutLineAsync(l => l.StartsWith("at ", StringComparison.Ordinal), TimeSpan.FromSeconds(60));
        await dram.WaitForListeningAsync();

        if (family == "unix")
        {
            using var unix = BindTests.UnixClient(socket);
            var (echo, version) = await TlsClients.EchoAsync(unix, "http://localhost/");
            Assert.Equal((HttpVersion.Version11, "http"), (version, echo.Environ("wsgi.url_scheme")));
            return;
        }

        using var h2 = TlsClients.Create(_certificates, HttpVersion.Version20);
        var (overTls, tlsVersion) = await TlsClients.EchoAsync(h2, $"https://localhost:{at["at ".Length..]}/");
        Assert.Equal((HttpVersion.Version20, "https"), (tlsVersion, overTls.Environ("wsgi.url_scheme")));
    }
}
