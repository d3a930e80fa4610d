using System.Runtime.InteropServices;

namespace Dram.Cli;

/// <summary>
/// Turns the first SIGINT or SIGTERM into a graceful stop request. A second signal is let through,
/// so someone pressing Ctrl+C again can still kill a process whose requests will not drain.
/// </summary>
internal sealed class ShutdownSignal : IDisposable
{
    private readonly CancellationTokenSource requested = new();
    private readonly TaskCompletionSource stopping = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly PosixSignalRegistration[] registrations;
    private int signalled;

    public ShutdownSignal()
    {
        registrations =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal),
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal),
        ];
    }

    /// <summary>Cancelled when a stop was requested; passed to start-up so a signal can interrupt it.</summary>
    public CancellationToken Token => requested.Token;

    /// <summary>Completes when a stop was requested.</summary>
    public Task Requested => stopping.Task;

    public void Dispose()
    {
        foreach (var registration in registrations)
        {
            registration.Dispose();
        }

        requested.Dispose();
    }

    private void OnSignal(PosixSignalContext context)
    {
        if (Interlocked.Exchange(ref signalled, 1) != 0)
        {
            return;
        }

        context.Cancel = true;
        stopping.TrySetResult();

        // CancelAsync runs the token's callbacks off the signal-handling thread.
        _ = requested.CancelAsync();
    }
}
