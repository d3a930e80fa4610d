using System.Diagnostics;
using System.Globalization;

namespace Dram.Cli.Supervision;

/// <summary>
/// One worker as the supervisor sees it: a child process of the same executable, its standard
/// output read for <see cref="WorkerMessages"/> (anything else is passed on to the supervisor's
/// own standard output), its standard input held open so the worker notices if the supervisor dies.
/// Its standard error is the supervisor's, so its log lines join the same error log.
/// </summary>
internal sealed class WorkerProcess : IDisposable
{
    private readonly Process _process;
    private readonly TaskCompletionSource<bool> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Action<WorkerProcess, string> _onMessage;

    private WorkerProcess(Process process, Action<WorkerProcess, string> onMessage)
    {
        _process = process;
        _onMessage = onMessage;
        Pid = process.Id;
        Exited = WaitAsync();
    }

    public int Pid { get; }

    /// <summary>True once the worker is accepting; false if it exited first.</summary>
    public Task<bool> Ready => _ready.Task;

    /// <summary>The exit code (128 + the signal number when a signal killed it, as .NET reports it).</summary>
    public Task<int> Exited { get; }

    public bool HasExited => Exited.IsCompleted;

    public bool IsServing => Ready.IsCompletedSuccessfully && Ready.Result && !HasExited;

    /// <summary>Set when the supervisor asked it to drain: it no longer counts as a serving worker.</summary>
    public bool Retiring { get; set; }

    /// <summary>Its --metrics slot and the path it was given; null when metrics are off.</summary>
    public (Dram.Server.Metrics.MetricsSlot Slot, string Path)? Metrics { get; set; }

    /// <summary>Set once a replacement was asked for (max-requests, max-rss), so it is asked only once.</summary>
    public bool RecycleRequested { get; set; }

    private TimeSpan _recycleRetry = TimeSpan.FromSeconds(1);

    /// <summary>How long to wait before trying again to replace it: 1 s, then doubling up to 30 s.</summary>
    public TimeSpan NextRecycleRetry()
    {
        var delay = _recycleRetry;
        _recycleRetry = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(30).Ticks));
        return delay;
    }

    public static WorkerProcess Start(IEnumerable<string> arguments, Action<WorkerProcess, string> onMessage)
    {
        var (fileName, prefix) = SelfCommand();
        var startInfo = new ProcessStartInfo(fileName)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = false,
        };
        WorkerEnvironment.Apply(startInfo);
        foreach (var argument in prefix.Concat(arguments))
        {
            startInfo.ArgumentList.Add(argument);
        }

        var process = Process.Start(startInfo) ?? throw new InvalidOperationException("could not start a worker process");
        var worker = new WorkerProcess(process, onMessage);
        _ = worker.ReadMessagesAsync();
        return worker;
    }

    /// <summary>Sends a signal unless the process has already been reaped (its pid could be reused).</summary>
    public void Signal(int signal)
    {
        if (!HasExited)
        {
            Native.Kill(Pid, signal);
        }
    }

    /// <summary>Resident memory in bytes, from /proc (0 if unreadable).</summary>
    public long ResidentBytes()
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{Pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    var kb = line["VmRSS:".Length..].Trim().Split(' ')[0];
                    return long.Parse(kb, CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return 0;
    }

    /// <summary>Why it exited, in words.</summary>
    public static string Describe(int exitCode) => exitCode > 128 && exitCode < 128 + 32
        ? $"killed by signal {exitCode - 128} ({SignalName(exitCode - 128)})"
        : $"exit code {exitCode}";

    public void Dispose() => _process.Dispose();

    private static string SignalName(int signal) => signal switch
    {
        1 => "SIGHUP",
        2 => "SIGINT",
        3 => "SIGQUIT",
        4 => "SIGILL",
        6 => "SIGABRT",
        7 => "SIGBUS",
        8 => "SIGFPE",
        9 => "SIGKILL, which is also what the kernel's out-of-memory killer sends",
        11 => "SIGSEGV",
        15 => "SIGTERM",
        _ => "SIG" + signal.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>How to run this same program again: the apphost, or dotnet with dram.dll.</summary>
    private static (string FileName, string[] Prefix) SelfCommand()
    {
        var path = Environment.ProcessPath ?? throw new InvalidOperationException("cannot tell which executable is running");
        return Path.GetFileNameWithoutExtension(path) == "dotnet"
            ? (path, [typeof(WorkerProcess).Assembly.Location])
            : (path, []);
    }

    private async Task<int> WaitAsync()
    {
        await _process.WaitForExitAsync().ConfigureAwait(false);
        var code = _process.ExitCode;
        _ready.TrySetResult(false);
        return code;
    }

    private async Task ReadMessagesAsync()
    {
        var output = _process.StandardOutput;
        while (await output.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            if (line == WorkerMessages.Ready)
            {
                _ready.TrySetResult(true);
            }
            else if (line.StartsWith(WorkerMessages.Prefix, StringComparison.Ordinal))
            {
                _onMessage(this, line);
            }
            else
            {
                // Something in the worker wrote to file descriptor 1 directly: pass it on.
                await Console.Out.WriteLineAsync(line).ConfigureAwait(false);
            }
        }
    }
}
