using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using System.Threading.Channels;
using Dram.Server;
using Dram.Server.Logging;
using Microsoft.Extensions.Logging;

namespace Dram.Cli.Supervision;

/// <summary>
/// The dram process itself when it serves: it never loads Python. It binds the listening sockets
/// once, runs <see cref="DramServerOptions.Workers"/> worker processes that inherit them, replaces a
/// worker that dies, and turns signals into stops, rolling restarts and scaling:
/// SIGTERM/SIGINT graceful stop, SIGQUIT (or a second SIGTERM/SIGINT) quick stop, SIGHUP rolling
/// restart, SIGTTIN/SIGTTOU one worker more/less.
/// </summary>
/// <remarks>
/// Every change to the set of workers (boot, replace, reload, scale) runs under one semaphore, so
/// they never interleave; each waits only for a new worker's "ready", never for an old worker's
/// drain, which goes on in the background under the graceful timeout.
/// </remarks>
[UnsupportedOSPlatform("windows")]
internal sealed partial class Supervisor : IDisposable
{
    // After the graceful timeout a worker aborts its connections and exits by itself; it is killed
    // only if it has not managed to within this much more.
    private static readonly TimeSpan KillMargin = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan QuickStopLimit = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan RssCheckInterval = TimeSpan.FromSeconds(1);

    // A worker not serving this long after it started is stuck (an import waiting on a database,
    // say) and is killed as a failed boot, so a reload or a replacement cannot hang for ever.
    private static readonly TimeSpan BootLimit = TimeSpan.FromMinutes(2);

    private readonly DramServerOptions _options;
    private readonly IReadOnlyList<string> _args;
    private readonly ListenSockets _sockets;
    private readonly ILogger _log;
    private readonly Lock _lock = new();
    private readonly List<WorkerProcess> _workers = [];
    private readonly SemaphoreSlim _changes = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Channel<PosixSignal> _signals = Channel.CreateUnbounded<PosixSignal>();
    private readonly SupervisorMetrics? _metrics;
    private int _target;

    private Supervisor(DramServerOptions options, IReadOnlyList<string> args, ListenSockets sockets, ILogger log)
    {
        _options = options;
        _args = args;
        _sockets = sockets;
        _log = log;
        _target = options.Workers;
        _metrics = options.Metrics is null ? null : new SupervisorMetrics();
    }

    /// <summary>Serves until stopped; returns the exit code.</summary>
    public static async Task<int> RunAsync(DramServerOptions options, IReadOnlyList<string> args, TextWriter stderr)
    {
        using var errorLog = ErrorLog.Create(options, stderr);
        var log = errorLog.CreateLogger("dram.supervisor");
        SupervisorLog.Starting(log, DramServer.Version, Environment.ProcessId, options.Workers);
        WorkerIdentity.CheckPossible(options);
        WorkerIdentity.HandOver(options);
        using var pidFile = PidFile.Create(options.PidFile);
        using var sockets = ListenSockets.Bind(options);
        using var supervisor = new Supervisor(options, args, sockets, log);
        await using var metrics = await supervisor.StartMetricsAsync().ConfigureAwait(false);
        return await supervisor.RunAsync().ConfigureAwait(false);
    }

    public void Dispose()
    {
        _metrics?.Dispose();
        _stopping.Dispose();
        _changes.Dispose();
    }

    /// <summary>--metrics: serves the workers' summed counters from this process; null when off.</summary>
    private async Task<MetricsEndpoint?> StartMetricsAsync()
    {
        if (_metrics is null)
        {
            return null;
        }

        var endpoint = await MetricsEndpoint.StartAsync(_options.Metrics!, () =>
        {
            List<WorkerProcess> serving;
            lock (_lock)
            {
                serving = [.. _workers.Where(w => w.IsServing && !w.Retiring)];
            }

            return _metrics.Render(serving.Count, serving.Sum(w => w.ResidentBytes()));
        }).ConfigureAwait(false);
        SupervisorLog.MetricsAt(_log, endpoint.Url);
        return endpoint;
    }

    private async Task<int> RunAsync()
    {
        PosixSignal[] handled = [PosixSignal.SIGTERM, PosixSignal.SIGINT, PosixSignal.SIGQUIT, PosixSignal.SIGHUP, PosixSignal.SIGTTIN, PosixSignal.SIGTTOU, ReopenLogs];
        var registrations = handled.Select(s => PosixSignalRegistration.Create(s, context =>
        {
            context.Cancel = true;
            _signals.Writer.TryWrite(context.Signal);
        })).ToList();
        try
        {
            var signalLoop = HandleSignalsAsync();

            // --reload: a changed .py file under the app's directories restarts the workers
            // through the SIGHUP path, one at a time, so even development reloads drop nothing.
            // Watching starts before the first boot, so "Listening at" means changes are seen.
            using var reload = _options.Reload
                ? new ReloadWatcher(
                    [_options.Chdir ?? Directory.GetCurrentDirectory(), .. _options.PythonPath.Select(Path.GetFullPath)],
                    _log,
                    () => _signals.Writer.TryWrite(PosixSignal.SIGHUP))
                : null;
            var failure = await BootAsync().ConfigureAwait(false);
            if (failure is { } code)
            {
                await StopAsync(quick: false).ConfigureAwait(false);
                return code;
            }

            // Announced once the first workers serve, so "Listening at" means requests are answered
            // (connections made earlier wait in the sockets' backlog).
            foreach (var url in _stopping.IsCancellationRequested ? [] : _sockets.Urls)
            {
                SupervisorLog.Listening(_log, url);
            }

            if (_options.MaxRss > 0)
            {
                _ = WatchMemoryAsync();
            }

            return await signalLoop.ConfigureAwait(false);
        }
        finally
        {
            registrations.ForEach(r => r.Dispose());
        }
    }

    /// <summary>Acts on signals until a stop has finished; returns the exit code.</summary>
    private async Task<int> HandleSignalsAsync()
    {
        Task? stop = null;
        while (true)
        {
            var next = _signals.Reader.ReadAsync().AsTask();
            if (stop is not null && await Task.WhenAny(next, stop).ConfigureAwait(false) == stop)
            {
                await stop.ConfigureAwait(false);
                return ExitCodes.Ok;
            }

            var signal = await next.ConfigureAwait(false);
            SupervisorLog.HandlingSignal(_log, Name(signal));
            switch (signal)
            {
                case PosixSignal.SIGTERM or PosixSignal.SIGINT when stop is null:
                    stop = StopAsync(quick: false);
                    break;
                case PosixSignal.SIGTERM or PosixSignal.SIGINT or PosixSignal.SIGQUIT:
                    // A second stop signal, or SIGQUIT: stop now.
                    stop ??= StopAsync(quick: true);
                    SignalAll(Native.SIGQUIT);
                    break;
                case ReopenLogs:
                    ReopenLogFiles();
                    break;
                case PosixSignal.SIGHUP when stop is null:
                    _ = ReloadAsync();
                    break;
                case PosixSignal.SIGTTIN when stop is null:
                    Interlocked.Increment(ref _target);
                    SupervisorLog.Scaled(_log, Volatile.Read(ref _target));
                    _ = ReconcileAsync();
                    break;
                case PosixSignal.SIGTTOU when stop is null:
                    if (Volatile.Read(ref _target) > 1)
                    {
                        Interlocked.Decrement(ref _target);
                        SupervisorLog.Scaled(_log, Volatile.Read(ref _target));
                        _ = ReconcileAsync();
                    }

                    break;
                default:
                    break;
            }
        }
    }

    /// <summary>Starts the first workers; returns an exit code if one failed to boot.</summary>
    private async Task<int?> BootAsync()
    {
        await _changes.WaitAsync().ConfigureAwait(false);
        try
        {
            var booting = Enumerable.Range(0, _target).Select(_ => Spawn()).OfType<WorkerProcess>().ToList();
            var pending = booting.Select(w => w.Ready).ToList();
            var stopped = Task.Delay(Timeout.Infinite, _stopping.Token);
            while (pending.Count > 0)
            {
                var done = await Task.WhenAny([.. pending, stopped]).ConfigureAwait(false);
                if (done == stopped)
                {
                    return null;
                }

                pending.Remove((Task<bool>)done);
                var worker = booting.First(w => w.Ready == done);
                if (!await worker.Ready.ConfigureAwait(false))
                {
                    var code = await worker.Exited.ConfigureAwait(false);
                    if (_stopping.IsCancellationRequested)
                    {
                        return null;
                    }

                    // Like gunicorn: a worker that cannot boot at start-up stops the server, with the
                    // worker's own exit code (3: the app does not load; 2: configuration; else 1).
                    SupervisorLog.BootFailed(_log, worker.Pid, WorkerProcess.Describe(code));
                    return code is ExitCodes.Usage or ExitCodes.AppLoad or ExitCodes.RuntimeFailure ? code : ExitCodes.RuntimeFailure;
                }

                SupervisorLog.Serving(_log, worker.Pid, ServingCount(), Volatile.Read(ref _target));
            }

            return null;
        }
        finally
        {
            _changes.Release();
        }
    }

    /// <summary>Brings the number of serving workers to the target: replaces the dead, adds or drains.</summary>
    private async Task ReconcileAsync()
    {
        if (!await EnterAsync().ConfigureAwait(false))
        {
            return;
        }

        try
        {
            var delay = TimeSpan.FromSeconds(1);
            while (!_stopping.IsCancellationRequested && ActiveCount() < Volatile.Read(ref _target))
            {
                if (Spawn() is not { } worker)
                {
                    return;
                }

                if (await BootedAsync(worker).ConfigureAwait(false))
                {
                    delay = TimeSpan.FromSeconds(1);
                    continue;
                }

                if (_stopping.IsCancellationRequested)
                {
                    return;
                }

                // Probably the app no longer imports (edited on disk): the other workers keep
                // serving; try again, less and less often.
                SupervisorLog.BootFailedRetrying(_log, worker.Pid, WorkerProcess.Describe(await worker.Exited.ConfigureAwait(false)), delay.TotalSeconds);
                await Task.Delay(delay, _stopping.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(30).Ticks));
            }

            while (ActiveCount() > Volatile.Read(ref _target) && OldestActive() is { } extra)
            {
                Retire(extra);
            }
        }
        finally
        {
            _changes.Release();
        }
    }

    /// <summary>SIGHUP: replaces every worker, one at a time, each new one serving before its predecessor drains.</summary>
    private async Task ReloadAsync()
    {
        if (!await EnterAsync().ConfigureAwait(false))
        {
            return;
        }

        var replaced = 0;
        try
        {
            List<WorkerProcess> old;
            lock (_lock)
            {
                old = [.. _workers.Where(w => !w.Retiring)];
            }

            foreach (var worker in old)
            {
                if (worker.HasExited || worker.Retiring)
                {
                    continue;
                }

                if (Spawn() is not { } fresh)
                {
                    return;
                }

                if (!await BootedAsync(fresh).ConfigureAwait(false))
                {
                    if (!_stopping.IsCancellationRequested)
                    {
                        SupervisorLog.ReloadFailed(_log, fresh.Pid, WorkerProcess.Describe(await fresh.Exited.ConfigureAwait(false)));
                    }

                    return;
                }

                Retire(worker);
                _metrics?.CountRestart(RestartReason.Reload);
                replaced++;
            }

            SupervisorLog.Reloaded(_log, replaced);
        }
        finally
        {
            _changes.Release();
        }
    }

    /// <summary>Replaces one worker that asked for it (max-requests) or grew past --max-rss.</summary>
    private async Task RecycleAsync(WorkerProcess worker, string reason)
    {
        lock (_lock)
        {
            if (worker.RecycleRequested || worker.Retiring || worker.HasExited)
            {
                return;
            }

            worker.RecycleRequested = true;
        }

        if (!await EnterAsync().ConfigureAwait(false))
        {
            return;
        }

        try
        {
            if (worker.HasExited || worker.Retiring)
            {
                return;
            }

            SupervisorLog.Replacing(_log, worker.Pid, reason);
            if (Spawn() is not { } fresh)
            {
                return;
            }

            if (await BootedAsync(fresh).ConfigureAwait(false))
            {
                Retire(worker);
                _metrics?.CountRestart(RestartReasons.Of(reason));
            }
            else if (!_stopping.IsCancellationRequested)
            {
                var delay = worker.NextRecycleRetry();
                SupervisorLog.ReplaceFailed(_log, worker.Pid, fresh.Pid, WorkerProcess.Describe(await fresh.Exited.ConfigureAwait(false)), delay.TotalSeconds);
                _ = RetryRecycleAsync(worker, reason, delay);
            }
        }
        finally
        {
            _changes.Release();
        }
    }

    /// <summary>
    /// After a replacement failed to boot (the app no longer imports), asks again later, less and
    /// less often: the limit that asked for it (max-requests, max-rss) still holds.
    /// </summary>
    private async Task RetryRecycleAsync(WorkerProcess worker, string reason, TimeSpan delay)
    {
        await Task.Delay(delay, _stopping.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        lock (_lock)
        {
            worker.RecycleRequested = false;
        }

        await RecycleAsync(worker, reason).ConfigureAwait(false);
    }

    private async Task WatchMemoryAsync()
    {
        var limit = _options.MaxRss;
        using var timer = new PeriodicTimer(RssCheckInterval);
        while (!_stopping.IsCancellationRequested)
        {
            try
            {
                await timer.WaitForNextTickAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            List<WorkerProcess> serving;
            lock (_lock)
            {
                serving = [.. _workers.Where(w => w.IsServing && !w.Retiring && !w.RecycleRequested)];
            }

            foreach (var worker in serving)
            {
                var rss = worker.ResidentBytes();
                if (rss > limit)
                {
                    SupervisorLog.OverRss(_log, worker.Pid, rss >> 20, limit >> 20);
                    _ = RecycleAsync(worker, "over --max-rss");
                }
            }
        }
    }

    /// <summary>Stops every worker and waits for them; a quick stop does not wait for requests.</summary>
    private async Task StopAsync(bool quick)
    {
        List<WorkerProcess> all;
        lock (_lock)
        {
            _stopping.Cancel();
            all = [.. _workers];
        }

        SupervisorLog.ShuttingDown(_log);
        foreach (var worker in all)
        {
            worker.Signal(quick ? Native.SIGQUIT : Native.SIGTERM);
        }

        var limit = quick ? QuickStopLimit : _options.GracefulTimeout + KillMargin;
        await Task.WhenAll(all.Select(w => ExitOrKillAsync(w, limit))).ConfigureAwait(false);
    }

    /// <summary>Asks a worker to drain; it no longer counts as serving. Does not wait for it.</summary>
    private void Retire(WorkerProcess worker)
    {
        lock (_lock)
        {
            worker.Retiring = true;
        }

        SupervisorLog.Retiring(_log, worker.Pid);
        worker.Signal(Native.SIGTERM);
        _ = ExitOrKillAsync(worker, _options.GracefulTimeout + KillMargin);
    }

    private async Task ExitOrKillAsync(WorkerProcess worker, TimeSpan limit)
    {
        if (await Task.WhenAny(worker.Exited, Task.Delay(limit)).ConfigureAwait(false) != worker.Exited)
        {
            SupervisorLog.Killing(_log, worker.Pid, limit.TotalSeconds);
            worker.Signal(Native.SIGKILL);
        }

        await worker.Exited.ConfigureAwait(false);
    }

    /// <summary>
    /// A metrics slot for the next worker, given to --user's account; null without --metrics, or
    /// when none can be made (the worker then serves uncounted rather than not at all).
    /// </summary>
    private (Dram.Server.Metrics.MetricsSlot Slot, string Path)? NewMetricsSlot()
    {
        try
        {
            var slot = _metrics?.NewSlot();
            WorkerIdentity.HandOver(_options, slot?.Path);
            return slot;
        }
        catch (DramStartupException e)
        {
            SupervisorLog.MetricsSlotFailed(_log, e.Message);
            return null;
        }
    }

    /// <summary>Starts a worker and watches it; null once stopping (no worker may outlive the stop).</summary>
    private WorkerProcess? Spawn()
    {
        var maxRequests = _options.MaxRequests > 0
            ? _options.MaxRequests + Random.Shared.NextInt64(0, _options.MaxRequestsJitter + 1)
            : 0;
        var metrics = NewMetricsSlot();
        var reopens = Volatile.Read(ref _reopens);
        var spec = new WorkerSpec(_sockets.Fds, maxRequests, Multiprocess: Volatile.Read(ref _target) > 1,
            Unset: [.. WorkerEnvironment.Injected.Select(v => v.Name)], MetricsSlot: metrics?.Path, Protocols: _sockets.Protocols);
        WorkerProcess worker;
        lock (_lock)
        {
            if (_stopping.IsCancellationRequested)
            {
                if (metrics is { } unused)
                {
                    _metrics!.Retire(unused.Slot, unused.Path);
                }

                return null;
            }

            worker = WorkerProcess.Start([spec.ToArgument(), .. _args], OnMessage);
            worker.Metrics = metrics;
            _workers.Add(worker);
        }

        SupervisorLog.Booting(_log, worker.Pid);
        _ = WatchAsync(worker);
        _ = LimitBootAsync(worker);
        _ = ReopenWhenReadyAsync(worker, reopens);
        return worker;
    }

    private async Task LimitBootAsync(WorkerProcess worker)
    {
        if (await Task.WhenAny(worker.Ready, Task.Delay(BootLimit)).ConfigureAwait(false) != worker.Ready && !worker.HasExited)
        {
            SupervisorLog.BootTooSlow(_log, worker.Pid, BootLimit.TotalSeconds);
            worker.Signal(Native.SIGKILL);
        }
    }

    /// <summary>Waits for a worker to be serving; false if it exited first or the server is stopping.</summary>
    private async Task<bool> BootedAsync(WorkerProcess worker)
    {
        try
        {
            await worker.Ready.WaitAsync(_stopping.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }

        if (await worker.Ready.ConfigureAwait(false))
        {
            SupervisorLog.Serving(_log, worker.Pid, ServingCount(), Volatile.Read(ref _target));
            return true;
        }

        return false;
    }

    private async Task WatchAsync(WorkerProcess worker)
    {
        var code = await worker.Exited.ConfigureAwait(false);
        bool unexpected;
        lock (_lock)
        {
            _workers.Remove(worker);
            unexpected = !worker.Retiring && !_stopping.IsCancellationRequested && worker.Ready.Result;
        }

        if (worker.Metrics is { } metrics)
        {
            _metrics!.Retire(metrics.Slot, metrics.Path);
        }

        if (unexpected)
        {
            _metrics?.CountRestart(RestartReason.Died);
            SupervisorLog.Died(_log, worker.Pid, WorkerProcess.Describe(code));
            _ = ReconcileAsync();
        }
        else if (worker.Ready.Result)
        {
            SupervisorLog.Exited(_log, worker.Pid, WorkerProcess.Describe(code));
        }

        worker.Dispose();
    }

    private void OnMessage(WorkerProcess worker, string message)
    {
        if (message.StartsWith(WorkerMessages.Recycle, StringComparison.Ordinal))
        {
            _ = RecycleAsync(worker, message[WorkerMessages.Recycle.Length..].Trim());
        }
    }

    private async Task<bool> EnterAsync()
    {
        try
        {
            await _changes.WaitAsync(_stopping.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private void SignalAll(int signal)
    {
        lock (_lock)
        {
            _workers.ForEach(w => w.Signal(signal));
        }
    }

    /// <summary>Workers booting or serving, not draining.</summary>
    private int ActiveCount()
    {
        lock (_lock)
        {
            return _workers.Count(w => !w.Retiring && !w.HasExited);
        }
    }

    private int ServingCount()
    {
        lock (_lock)
        {
            return _workers.Count(w => w.IsServing && !w.Retiring);
        }
    }

    private WorkerProcess? OldestActive()
    {
        lock (_lock)
        {
            return _workers.FirstOrDefault(w => !w.Retiring && !w.HasExited);
        }
    }

    private static string Name(PosixSignal signal) => signal switch
    {
        PosixSignal.SIGTERM => "TERM",
        PosixSignal.SIGINT => "INT",
        PosixSignal.SIGQUIT => "QUIT",
        PosixSignal.SIGHUP => "HUP",
        PosixSignal.SIGTTIN => "TTIN",
        PosixSignal.SIGTTOU => "TTOU",
        ReopenLogs => "USR1",
        _ => signal.ToString(),
    };
}
