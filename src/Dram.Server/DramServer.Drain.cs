using Dram.Server.Hosting;
using Dram.Server.Logging;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;

namespace Dram.Server;

public sealed partial class DramServer
{
    private Drain _drain = null!;

    /// <summary>
    /// Completes once the server has answered <see cref="DramServerOptions.MaxRequests"/> requests.
    /// The server keeps serving; whoever runs it decides when to replace it (the supervisor starts a
    /// new worker first, then drains this one).
    /// </summary>
    public Task RecycleRequested => _drain.Recycle.Task;

    /// <summary>
    /// A graceful stop in the order a rolling restart needs: stop accepting (queued connections stay
    /// in the shared listening socket for the other workers), answer the next request of every
    /// keep-alive connection with Connection: close, leave idle connections to the keep-alive
    /// timeout, and return once no connection is left or <paramref name="cancellationToken"/> is
    /// cancelled (the graceful timeout). Call <see cref="StopAsync"/> afterwards.
    /// </summary>
    public async Task DrainAsync(CancellationToken cancellationToken = default)
    {
        var open = _drain.Begin();
        Log.Draining(_logger, open);
        await _drain.Transport.StopAcceptingAsync().ConfigureAwait(false);

        // An open WebSocket has no "next request" to carry Connection: close: it is closed now
        // with 1012 (Service Restart), as uvicorn does, so its client reconnects elsewhere.
        if (_asgiApps.Count > 0)
        {
            foreach (var connection in Asgi.AsgiCallbacks.Connections.Snapshot())
            {
                if (connection is Asgi.AsgiWebSocket socket && _asgiApps.Contains(socket.Application))
                {
                    socket.CloseForShutdown();
                }
            }
        }

        try
        {
            await _drain.Empty.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Log.DrainTimedOut(_logger, _drain.Open);
        }
    }

    /// <summary>A host lifetime that ignores signals: whoever owns the server decides when it stops.</summary>
    private sealed class OwnerControlledLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    /// <summary>
    /// The state a drain needs from Kestrel's connection and request pipelines: open connections,
    /// requests served, and whether to close each connection after its current response.
    /// </summary>
    private sealed class Drain(DrainableTransport transport, long maxRequests)
    {
        private long _open;
        private long _requests;
        private volatile bool _draining;

        public DrainableTransport Transport { get; } = transport;

        public TaskCompletionSource Recycle { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Empty { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public long Open => Interlocked.Read(ref _open);

        public long Begin()
        {
            _draining = true;
            var open = Open;
            if (open == 0)
            {
                Empty.TrySetResult();
            }

            return open;
        }

        /// <summary>Kestrel connection middleware: counts the connection for as long as it is open.</summary>
        public ConnectionDelegate Track(ConnectionDelegate next) => async connection =>
        {
            Interlocked.Increment(ref _open);
            try
            {
                await next(connection).ConfigureAwait(false);
            }
            finally
            {
                if (Interlocked.Decrement(ref _open) == 0 && _draining)
                {
                    Empty.TrySetResult();
                }
            }
        };

        /// <summary>Called for every request before the app sees it.</summary>
        public void OnRequest(HttpContext context)
        {
            if (_draining)
            {
                // Kestrel ends the connection after this response.
                ConnectionClose.AfterResponse(context);
            }

            if (Interlocked.Increment(ref _requests) == maxRequests)
            {
                Recycle.TrySetResult();
            }
        }
    }
}
