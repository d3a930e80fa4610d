using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Dram.Server;
using Dram.Server.Logging;

namespace Dram.Cli.Supervision;

/// <summary>
/// A worker process: one interpreter and one Kestrel serving the supervisor's inherited sockets.
/// It reports "ready" once accepting, asks to be recycled at max-requests, and stops gracefully on
/// SIGTERM or SIGINT (every time: Ctrl-C reaches the whole group and the supervisor then sends
/// SIGTERM too, which must not turn the drain into a kill), quickly on SIGQUIT, and by itself when
/// the supervisor disappears (its standard input, a pipe from the supervisor, reaches end of file).
/// </summary>
[UnsupportedOSPlatform("windows")]
internal static class WorkerMain
{
    public static async Task<int> RunAsync(WorkerSpec spec, DramServerOptions options, CliApp.ServerStarter start, TextWriter messages)
    {
        WorkerEnvironment.Remove(spec.Unset);
        WorkerIdentity.SwitchIfAsked(options);
        foreach (var fd in spec.Fds)
        {
            options.ListenHandles.Add(fd);
        }

        foreach (var (fd, protocol) in spec.Protocols ?? new Dictionary<int, Dram.Server.Hosting.ListenProtocol>())
        {
            options.ListenHandleProtocols[fd] = protocol;
        }

        options.MaxRequests = spec.MaxRequests;
        options.Multiprocess = spec.Multiprocess;
        options.MetricsSlot = spec.MetricsSlot;
        using var signals = new WorkerSignals();
        DramServer server;
        try
        {
            server = await start(options, signals.Stopping).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (signals.Stopping.IsCancellationRequested)
        {
            return ExitCodes.Ok;
        }
        catch (DramStartupException e) when (options.ErrorLog is null && options.ErrorLogPath is { Length: > 0 } path && path != "-")
        {
            // With --error-log FILE the supervisor's "failed to boot" line is in the file; so is why
            // (an app that no longer imports after a SIGHUP, say), not only on standard error.
            WriteToErrorLog(options, e);
            throw;
        }

        await using (server.ConfigureAwait(false))
        {
            var send = new Lock();
            void Send(string line)
            {
                lock (send)
                {
                    messages.WriteLine(line);
                    messages.Flush();
                }
            }

            Send(WorkerMessages.Ready);
            _ = server.RecycleRequested.ContinueWith(
                _ => Send(WorkerMessages.Recycle + " max-requests reached"), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
            using var unhealthy = server.Unhealthy.Register(() => Send(WorkerMessages.Recycle + " a request is stuck past --timeout"));

            var orphaned = SupervisorGone();
            var shutdown = server.WaitForShutdownAsync();
            var first = await Task.WhenAny(signals.Graceful, signals.Quick, orphaned, shutdown).ConfigureAwait(false);
            if (first == shutdown)
            {
                await shutdown.ConfigureAwait(false);
                return ExitCodes.Ok;
            }

            if (first == signals.Quick)
            {
                await server.StopAsync(new CancellationToken(canceled: true)).ConfigureAwait(false);
                return ExitCodes.Ok;
            }

            using var graceful = CancellationTokenSource.CreateLinkedTokenSource(signals.QuickToken);
            graceful.CancelAfter(options.GracefulTimeout);
            await server.DrainAsync(graceful.Token).ConfigureAwait(false);
            await server.StopAsync(graceful.Token).ConfigureAwait(false);
            return ExitCodes.Ok;
        }
    }

    private static void WriteToErrorLog(DramServerOptions options, DramStartupException e)
    {
        try
        {
            using var log = ErrorLog.Create(options, TextWriter.Null);
            log.Write(Microsoft.Extensions.Logging.LogLevel.Error, "dram", e.Message, null);
            if (e.Detail is { } detail)
            {
                log.WriteAppOutput(detail.TrimEnd('\r', '\n'));
            }
        }
        catch (DramStartupException)
        {
            // The file cannot be opened: standard error still gets the message.
        }
    }

    /// <summary>Completes when standard input (the supervisor's end of a pipe) closes.</summary>
    private static Task SupervisorGone()
    {
        var gone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        // A blocking read on a thread of its own: console streams have no true async read.
        var thread = new Thread(() =>
        {
            try
            {
                using var stdin = Console.OpenStandardInput();
                var buffer = new byte[256];
                while (stdin.Read(buffer, 0, buffer.Length) > 0)
                {
                }
            }
            catch (IOException)
            {
            }

            gone.TrySetResult();
        })
        {
            IsBackground = true,
            Name = "dram-supervisor-watch",
        };
        thread.Start();
        return gone.Task;
    }

    private sealed class WorkerSignals : IDisposable
    {
        private readonly CancellationTokenSource _stopping = new();
        private readonly CancellationTokenSource _quick = new();
        private readonly TaskCompletionSource _graceful = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _quickRequested = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly PosixSignalRegistration[] _registrations;

        public WorkerSignals()
        {
            _registrations =
            [
                PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnGraceful),
                PosixSignalRegistration.Create(PosixSignal.SIGINT, OnGraceful),
                PosixSignalRegistration.Create(PosixSignal.SIGQUIT, OnQuick),

                // Meant for the supervisor; a worker that gets them with its group ignores them.
                PosixSignalRegistration.Create(PosixSignal.SIGHUP, Ignore),
                PosixSignalRegistration.Create(PosixSignal.SIGTTIN, Ignore),
                PosixSignalRegistration.Create(PosixSignal.SIGTTOU, Ignore),

                // From the supervisor, after logrotate renamed the files: reopen them by path.
                PosixSignalRegistration.Create((PosixSignal)Native.SIGUSR1, OnReopenLogs),
            ];
        }

        /// <summary>Cancelled by any stop signal; interrupts start-up.</summary>
        public CancellationToken Stopping => _stopping.Token;

        public CancellationToken QuickToken => _quick.Token;

        public Task Graceful => _graceful.Task;

        public Task Quick => _quickRequested.Task;

        public void Dispose()
        {
            foreach (var registration in _registrations)
            {
                registration.Dispose();
            }

            _stopping.Dispose();
            _quick.Dispose();
        }

        private void OnGraceful(PosixSignalContext context)
        {
            context.Cancel = true;
            _graceful.TrySetResult();
            _ = _stopping.CancelAsync();
        }

        private void OnQuick(PosixSignalContext context)
        {
            context.Cancel = true;
            _quickRequested.TrySetResult();
            _ = _stopping.CancelAsync();
            _ = _quick.CancelAsync();
        }

        private static void Ignore(PosixSignalContext context) => context.Cancel = true;

        private static void OnReopenLogs(PosixSignalContext context)
        {
            context.Cancel = true;
            DramServer.ReopenLogFiles();
        }
    }
}
