using System.Net;
using Microsoft.AspNetCore.Connections;

namespace Dram.Server.Hosting;

/// <summary>
/// Kestrel's socket transport with one addition: <see cref="StopAcceptingAsync"/> stops the accept
/// loops while every open connection carries on. Kestrel's own StopAsync does both at once and
/// also closes idle keep-alive connections immediately, which races with a client sending its next
/// request on them; a draining Dram stops accepting first and lets those connections end by
/// themselves (their next response says Connection: close, or the keep-alive timeout closes them).
/// The socket transport itself comes from the host's services (<see cref="Attach"/>), so it gets
/// Kestrel's pinned block pool.
/// </summary>
internal sealed class DrainableTransport : IConnectionListenerFactory, IConnectionListenerFactorySelector
{
    private IConnectionListenerFactory? _inner;
    private readonly Lock _lock = new();
    private readonly List<Listener> _listeners = [];
    private bool _stopped;

    private IConnectionListenerFactory Inner => _inner ?? throw new InvalidOperationException("no transport attached");

    /// <summary>Wraps <paramref name="inner"/>, the transport the host built; returns this wrapper.</summary>
    public DrainableTransport Attach(IConnectionListenerFactory inner)
    {
        _inner = inner;
        return this;
    }

    public async ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        var listener = new Listener(await Inner.BindAsync(endpoint, cancellationToken).ConfigureAwait(false));
        bool stopped;
        lock (_lock)
        {
            _listeners.Add(listener);
            stopped = _stopped;
        }

        if (stopped)
        {
            await listener.StopAcceptingAsync().ConfigureAwait(false);
        }

        return listener;
    }

    public bool CanBind(EndPoint endpoint) => Inner is not IConnectionListenerFactorySelector selector || selector.CanBind(endpoint);

    /// <summary>Stops accepting on every listener; connections already accepted are left alone.</summary>
    public async Task StopAcceptingAsync()
    {
        List<Listener> listeners;
        lock (_lock)
        {
            _stopped = true;
            listeners = [.. _listeners];
        }

        foreach (var listener in listeners)
        {
            await listener.StopAcceptingAsync().ConfigureAwait(false);
        }
    }

    private sealed class Listener(IConnectionListener inner) : IConnectionListener
    {
        private int _stopped;

        public EndPoint EndPoint => inner.EndPoint;

        public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
        {
            if (Volatile.Read(ref _stopped) != 0)
            {
                // Null ends Kestrel's accept loop for this endpoint.
                return null;
            }

            // A connection accepted in the instant the listener is being unbound is still served,
            // as any accepted connection is; the drain answers it with Connection: close.
            return await inner.AcceptAsync(cancellationToken).ConfigureAwait(false);
        }

        /// <summary>
        /// Closes this process's listening descriptor. For an inherited descriptor (close-on-exec
        /// clear) .NET only close()s it, so the socket and its queue stay with the other processes.
        /// </summary>
        public async Task StopAcceptingAsync()
        {
            if (Interlocked.Exchange(ref _stopped, 1) == 0)
            {
                await inner.UnbindAsync().ConfigureAwait(false);
            }
        }

        public ValueTask UnbindAsync(CancellationToken cancellationToken = default)
        {
            Interlocked.Exchange(ref _stopped, 1);
            return inner.UnbindAsync(cancellationToken);
        }

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
