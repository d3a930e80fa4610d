using System.Net;
using System.Net.Sockets;
using Dram.Server;
using Dram.Server.Hosting;

namespace Dram.Cli.Supervision;

/// <summary>
/// The listening sockets, bound once by the supervisor and inherited by every worker (the fd
/// numbers are passed on the worker's command line). A worker that exits or restarts closes only
/// its own descriptor: the socket and the connections queued on it stay with the supervisor and
/// the other workers, so nothing queued is reset (unlike per-worker SO_REUSEPORT listeners,
/// Granian #567).
/// </summary>
internal sealed class ListenSockets : IDisposable
{
    private readonly List<Socket> _sockets;

    private ListenSockets(List<Socket> sockets, List<string> urls)
    {
        _sockets = sockets;
        Urls = urls;
    }

    public IReadOnlyList<string> Urls { get; }

    /// <summary>The descriptor numbers, valid in the workers too.</summary>
    public IReadOnlyList<int> Fds => [.. _sockets.Select(s => (int)s.SafeHandle.DangerousGetHandle())];

    public static ListenSockets Bind(DramServerOptions options)
    {
        var binds = options.EffectiveBinds;
        var sockets = new List<Socket>();
        var urls = new List<string>();
        try
        {
            foreach (var text in binds)
            {
                var bind = BindAddress.ParseOrFail(text);
                var port = bind.Port;
                foreach (var address in bind.Resolve())
                {
                    var socket = Listen(new IPEndPoint(address, port), options.Backlog, binds);
                    sockets.Add(socket);
                    var local = (IPEndPoint)socket.LocalEndPoint!;

                    // "localhost:0" gets one port for all its addresses.
                    port = local.Port;
                    urls.Add(local.AddressFamily == AddressFamily.InterNetworkV6
                        ? $"http://[{local.Address}]:{local.Port}"
                        : $"http://{local.Address}:{local.Port}");
                }
            }

            return new ListenSockets(sockets, urls);
        }
        catch
        {
            sockets.ForEach(s => s.Dispose());
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
            var reason = e.SocketErrorCode == SocketError.AddressAlreadyInUse ? "address already in use" : e.Message;
            throw BindAddress.ListenFailed(reason, binds);
        }
    }

    public void Dispose() => _sockets.ForEach(s => s.Dispose());
}
