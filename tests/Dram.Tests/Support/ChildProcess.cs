using System.Diagnostics;
using System.Text;

namespace Dram.Tests.Support;

/// <summary>What a finished child process left behind.</summary>
internal sealed record ChildProcessResult(int Pid, int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() =>
        $"pid {Pid}, exit {ExitCode}\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}";

    /// <summary>A .NET stack trace has lines starting with "   at "; a user must never see one.</summary>
    public void AssertNoStackTrace()
    {
        Assert.DoesNotContain("   at ", Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", Stdout, StringComparison.Ordinal);
    }
}

/// <summary>
/// A child process with no stdin whose stdout and stderr are collected line by
/// line, so a test can wait for a line while it still runs, and which is killed
/// (with its descendants) on dispose.
/// </summary>
internal sealed class ChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly object _gate = new();
    private readonly List<(bool Stderr, Func<string, bool> Predicate, TaskCompletionSource<string> Found)> _waiters = [];

    private ChildProcess(Process process) => _process = process;

    public int Pid { get; private set; }

    public bool HasExited => _process.HasExited;

    public string Stdout
    {
        get
        {
            lock (_gate)
            {
                return _stdout.ToString();
            }
        }
    }

    public string Stderr
    {
        get
        {
            lock (_gate)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>
    /// Starts <paramref name="fileName"/> in <paramref name="workingDirectory"/>.
    /// The environment is this process's, less the variables MSBuild and the
    /// dotnet CLI set for the test run (so a build started by the child behaves
    /// as from a user's shell), with <paramref name="environment"/> applied on
    /// top: a null value removes a variable.
    /// </summary>
    public static ChildProcess Start(
        string fileName,
        IEnumerable<string> arguments,
        string workingDirectory,
        IReadOnlyDictionary<string, string?>? environment = null)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var name in startInfo.Environment.Keys.ToList())
        {
            if (name.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) ||
                name.Equals("DOTNET_HOST_PATH", StringComparison.Ordinal) ||
                name.StartsWith("VSTEST_", StringComparison.Ordinal))
            {
                startInfo.Environment.Remove(name);
            }
        }

        if (environment is not null)
        {
            foreach (var (name, value) in environment)
            {
                if (value is null)
                {
                    startInfo.Environment.Remove(name);
                }
                else
                {
                    startInfo.Environment[name] = value;
                }
            }
        }

        var process = new Process { StartInfo = startInfo };
        var result = new ChildProcess(process);
        process.OutputDataReceived += (_, e) => result.Append(stderr: false, e.Data);
        process.ErrorDataReceived += (_, e) => result.Append(stderr: true, e.Data);
        process.Start();
        result.Pid = process.Id;
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return result;
    }

    /// <summary>Starts a process and waits for it to exit.</summary>
    public static async Task<ChildProcessResult> RunAsync(
        string fileName,
        IEnumerable<string> arguments,
        string workingDirectory,
        IReadOnlyDictionary<string, string?>? environment = null,
        TimeSpan? timeout = null)
    {
        using var process = Start(fileName, arguments, workingDirectory, environment);
        return await process.WaitForExitAsync(timeout ?? TimeSpan.FromMinutes(3));
    }

    /// <summary>
    /// Waits for the process to exit and for both its streams to close; on
    /// timeout, kills it and throws with what it printed so far.
    /// </summary>
    public async Task<ChildProcessResult> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
            throw new TimeoutException(
                $"{_process.StartInfo.FileName} did not finish within {timeout}.\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}");
        }

        return new ChildProcessResult(Pid, _process.ExitCode, Stdout, Stderr);
    }

    /// <summary>Waits until stdout has a line that satisfies <paramref name="predicate"/>.</summary>
    public Task<string> WaitForStdoutLineAsync(Func<string, bool> predicate, TimeSpan timeout) =>
        WaitForLineAsync(stderr: false, predicate, timeout);

    /// <summary>Waits until stderr has a line that satisfies <paramref name="predicate"/>.</summary>
    public Task<string> WaitForStderrLineAsync(Func<string, bool> predicate, TimeSpan timeout) =>
        WaitForLineAsync(stderr: true, predicate, timeout);

    /// <summary>
    /// Completes with the first line (already printed, or printed later) that satisfies
    /// <paramref name="predicate"/>; fails when the process exits without one or the time is up.
    /// </summary>
    private async Task<string> WaitForLineAsync(bool stderr, Func<string, bool> predicate, TimeSpan timeout)
    {
        var found = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            var seen = (stderr ? _stderr : _stdout).ToString().Split('\n').FirstOrDefault(predicate);
            if (seen is not null)
            {
                return seen;
            }

            _waiters.Add((stderr, predicate, found));
        }

        var exited = _process.WaitForExitAsync();
        var first = await Task.WhenAny(found.Task, exited, Task.Delay(timeout));
        if (first == found.Task)
        {
            return await found.Task;
        }

        if (first == exited)
        {
            // All output is in once the streams have closed.
            await WaitForExitAsync(timeout);
            if (found.Task.IsCompleted)
            {
                return await found.Task;
            }

            throw new InvalidOperationException(
                $"the process exited ({_process.ExitCode}) without printing the line awaited.\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}");
        }

        throw new TimeoutException($"no awaited line within {timeout}.\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}");
    }

    public void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    private void Append(bool stderr, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_gate)
        {
            (stderr ? _stderr : _stdout).Append(line).Append('\n');
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                var waiter = _waiters[i];
                if (waiter.Stderr == stderr && waiter.Predicate(line))
                {
                    _waiters.RemoveAt(i);
                    waiter.Found.TrySetResult(line);
                }
            }
        }
    }
}
