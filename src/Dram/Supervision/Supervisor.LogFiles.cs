using System.Runtime.InteropServices;
using Dram.Server;
using Dram.Server.Logging;

namespace Dram.Cli.Supervision;

/// <summary>SIGUSR1: log files reopened by path in the supervisor and every worker (logrotate's rename-then-signal).</summary>
internal sealed partial class Supervisor
{
    private const PosixSignal ReopenLogs = (PosixSignal)Native.SIGUSR1;

    // How many SIGUSR1s have been handled, so a worker booting during one reopens once ready.
    private int _reopens;

    /// <summary>
    /// Reopens the supervisor's log files, then asks every worker that has reported ready to
    /// reopen its own. A booting worker may not handle SIGUSR1 yet (its default action is to
    /// terminate): it is asked once it is ready (<see cref="ReopenWhenReadyAsync"/>).
    /// </summary>
    private void ReopenLogFiles()
    {
        foreach (var failure in LogFile.ReopenAll())
        {
            SupervisorLog.ReopenFailed(_log, failure);
        }

        try
        {
            WorkerIdentity.HandOver(_options);
        }
        catch (DramStartupException e)
        {
            SupervisorLog.ReopenFailed(_log, e.Message);
        }

        SupervisorLog.Reopened(_log);
        Interlocked.Increment(ref _reopens);
        lock (_lock)
        {
            _workers.Where(IsReady).ToList().ForEach(w => w.Signal(Native.SIGUSR1));
        }
    }

    /// <summary>Asks <paramref name="worker"/> to reopen its logs once ready if a SIGUSR1 came after it was started.</summary>
    private async Task ReopenWhenReadyAsync(WorkerProcess worker, int reopensAtStart)
    {
        if (await worker.Ready.ConfigureAwait(false) && Volatile.Read(ref _reopens) != reopensAtStart)
        {
            worker.Signal(Native.SIGUSR1);
        }
    }

    private static bool IsReady(WorkerProcess worker) => worker.Ready.IsCompletedSuccessfully && worker.Ready.Result;
}
