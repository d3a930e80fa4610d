using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;
using Dram.Server;
using Dram.Server.Hosting;

namespace Dram.Cli.Supervision;

/// <summary>
/// The listening sockets, bound once by the supervisor and inherited by every worker (the fd
/// numbers are passed on the worker's command line). A worker that exits or restarts closes only
/// its own descriptor: the socket and the connections queued on it stay with the supervisor and
/// the other workers, so nothing queued is reset (unlike per-worker SO_REUSEPORT listeners,
/// Granian #567). <c>unix:PATH</c> sockets are created here, given the mode --umask allows, and
/// their files removed at exit; <c>fd://N</c> sockets were bound by whoever started dram
/// (systemd socket activation) and are only checked and passed on, never closed or unlinked.
/// </summary>
[UnsupportedOSPlatform("windows")]
internal sealed class ListenSockets : IDisposable
{
    private readonly List<Socket> _sockets;
    private readonly List<int> _inherited;
    private readonly List<string> _socketFiles;

    private ListenSockets(List<Socket> sockets, List<int> inherited, List<string> socketFiles, List<string> urls, Dictionary<int, ListenProtocol> protocols)
    {
        _sockets = sockets;
        _inherited = inherited;
        _socketFiles = socketFiles;
        Urls = urls;
        Protocols = protocols;
    }

    public IReadOnlyList<string> Urls { get; }

    /// <summary>What each descriptor speaks (cleartext HTTP/1.1 when not listed), passed on to the workers.</summary>
    public IReadOnlyDictionary<int, ListenProtocol> Protocols { get; }

    /// <summary>The descriptor numbers, valid in the workers too.</summary>
    public IReadOnlyList<int> Fds => [.. _sockets.Select(FdOf), .. _inherited];

    private static int FdOf(Socket socket) => (int)socket.SafeHandle.DangerousGetHandle();

    public static ListenSockets Bind(DramServerOptions options)
    {
        var binds = options.EffectiveBinds;
        var sockets = new List<Socket>();
        var inherited = new List<int>();
        var socketFiles = new List<string>();
        var urls = new List<string>();
        var protocols = new Dictionary<int, ListenProtocol>();
        var tls = options.CertFile is not null;
        try
        {
            foreach (var text in binds)
            {
                var bind = BindAddress.ParseOrFail(text);
                if (bind.UnixPath is { } path)
                {
                    sockets.Add(ListenUnix(path, options, binds));
                    protocols[FdOf(sockets[^1])] = ListenProtocols.For(bind, isUnixSocket: true, tls);
                    socketFiles.Add(path);
                    urls.Add(bind.ToString());
                    continue;
                }

                if (bind.Fd is { } fd)
                {
                    if (inherited.Contains(fd))
                    {
                        throw new DramStartupException(ExitCodes.Usage, $"fd://{fd} is bound twice");
                    }

                    Inherit(fd);
                    inherited.Add(fd);
                    protocols[fd] = ListenProtocols.For(bind, Native.IsUnixSocket(fd), tls);
                    urls.Add(bind.ToString());
                    continue;
                }

                var port = bind.Port;
                foreach (var address in bind.Resolve())
                {
                    var socket = Listen(new IPEndPoint(address, port), options.Backlog, binds);
                    sockets.Add(socket);
                    var protocol = ListenProtocols.For(bind, isUnixSocket: false, tls);
                    protocols[FdOf(socket)] = protocol;
                    var local = (IPEndPoint)socket.LocalEndPoint!;

                    // "localhost:0" gets one port for all its addresses.
                    port = local.Port;
                    var scheme = protocol switch
                    {
                        ListenProtocol.Https => "https",
                        ListenProtocol.Http2Cleartext => "h2c",
                        _ => "http",
                    };
                    urls.Add(local.AddressFamily == AddressFamily.InterNetworkV6
                        ? $"{scheme}://[{local.Address}]:{local.Port}"
                        : $"{scheme}://{local.Address}:{local.Port}");
                }
            }

            return new ListenSockets(sockets, inherited, socketFiles, urls, protocols);
        }
        catch
        {
            Close(sockets, socketFiles);
            throw;
        }
    }

    private static Socket Listen(IPEndPoint endpoint, int backlog, IReadOnlyList<string> binds)
    {
        var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (endpoint.Address.Equals(IPAddress.IPv6Any))
            {
                // As Kestrel does: [::] also accepts IPv4.
                socket.DualMode = true;
            }

            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.Bind(endpoint);
            socket.Listen(backlog);
            Native.ClearCloseOnExec((int)socket.SafeHandle.DangerousGetHandle());
            return socket;
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw BindAddress.ListenFailed(Reason(e), binds);
        }
    }

    /// <summary>
    /// Creates the socket file at <paramref name="path"/>: a socket file left by a server that is
    /// gone (nothing accepts on it) is replaced; a live one, or a file that is not a socket, is an
    /// error like an address in use. The mode is 0777 less --umask, set before listen(), so nobody
    /// connects while it is wider than asked.
    /// </summary>
    private static Socket ListenUnix(string path, DramServerOptions options, IReadOnlyList<string> binds)
    {
        RemoveStale(path, binds);
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Bind(new UnixDomainSocketEndPoint(path));
            File.SetUnixFileMode(path, (UnixFileMode)(0x1FF & ~options.Umask));
            socket.Listen(options.Backlog);
            Native.ClearCloseOnExec((int)socket.SafeHandle.DangerousGetHandle());
            return socket;
        }
        catch (Exception e) when (e is SocketException or IOException or UnauthorizedAccessException)
        {
            // Disposing a socket bound here also removes its file.
            socket.Dispose();
            throw BindAddress.ListenFailed(e is SocketException s ? Reason(s) : e.Message, binds);
        }
    }

    private static void RemoveStale(string path, IReadOnlyList<string> binds)
    {
        Native.PathKind kind;
        try
        {
            kind = Native.KindOf(path);
        }
        catch (IOException e)
        {
            throw BindAddress.ListenFailed(e.Message, binds);
        }

        if (kind == Native.PathKind.Missing)
        {
            return;
        }

        if (kind == Native.PathKind.Other)
        {
            throw BindAddress.ListenFailed($"'{path}' exists and is not a socket", binds);
        }

        using (var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            try
            {
                probe.Connect(new UnixDomainSocketEndPoint(path));
                throw BindAddress.ListenFailed("address already in use", binds);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
            {
                // Nothing listens: a socket file left behind by a server that did not exit cleanly.
            }
            catch (SocketException e)
            {
                throw BindAddress.ListenFailed(Reason(e), binds);
            }
        }

        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw BindAddress.ListenFailed($"cannot remove the stale socket '{path}': {e.Message}", binds);
        }
    }

    /// <summary>Takes an inherited descriptor: it must be a listening socket; it is kept open across the workers' exec.</summary>
    private static void Inherit(int fd)
    {
        if (Native.WhyNotListening(fd) is { } why)
        {
            throw new DramStartupException(ExitCodes.Usage,
                string.Create(CultureInfo.InvariantCulture, $"fd://{fd} cannot be served: {why}; it must be an inherited, listening socket"));
        }

        Native.ClearCloseOnExec(fd);
    }

    private static string Reason(SocketException e) => e.SocketErrorCode switch
    {
        SocketError.AddressAlreadyInUse => "address already in use",
        SocketError.AccessDenied => "permission denied",
        _ => e.Message,
    };

    private static void Close(List<Socket> sockets, List<string> socketFiles)
    {
        // The inherited fd:// descriptors stay open: they belong to whoever passed them (systemd
        // keeps its own copy), and the process exit closes this one.
        sockets.ForEach(s => s.Dispose());
        foreach (var path in socketFiles)
        {
            try
            {
                // Only a socket: something else may have been put there meanwhile.
                if (Native.KindOf(path) == Native.PathKind.Socket)
                {
                    File.Delete(path);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Best effort at exit: a stale socket file is replaced at the next start.
            }
        }
    }

    public void Dispose() => Close(_sockets, _socketFiles);
}
