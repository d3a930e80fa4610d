using System.Diagnostics;
using System.Text;

namespace Dram.Tests.Launcher;

/// <summary>What a finished launcher (or other script) run left behind.</summary>
internal sealed record LauncherRunResult(int Pid, int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() =>
        $"pid {Pid}, exit {ExitCode}\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}";
}

/// <summary>
/// A child process with no stdin whose stdout and stderr are collected line by
/// line, so a test can wait for a line while it still runs, and which is killed
/// (with its descendants) on dispose.
/// </summary>
internal sealed class LauncherProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly object _gate = new();

    private LauncherProcess(Process process) => _process = process;

    public int Pid { get; private set; }

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
    public static LauncherProcess Start(
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
        var result = new LauncherProcess(process);
        process.OutputDataReceived += (_, e) => result.Append(result._stdout, e.Data);
        process.ErrorDataReceived += (_, e) => result.Append(result._stderr, e.Data);
        process.Start();
        result.Pid = process.Id;
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return result;
    }

    /// <summary>Starts a process and waits for it to exit.</summary>
    public static async Task<LauncherRunResult> RunAsync(
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
    public async Task<LauncherRunResult> WaitForExitAsync(TimeSpan timeout)
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

        return new LauncherRunResult(Pid, _process.ExitCode, Stdout, Stderr);
    }

    /// <summary>Waits until stdout has a line that satisfies <paramref name="predicate"/>.</summary>
    public async Task<string> WaitForStdoutLineAsync(Func<string, bool> predicate, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var line = Stdout.Split('\n').FirstOrDefault(predicate);
            if (line is not null)
            {
                return line;
            }

            if (_process.HasExited)
            {
                // All output is in once the streams have closed.
                await WaitForExitAsync(timeout);
                line = Stdout.Split('\n').FirstOrDefault(predicate);
                return line ?? throw new InvalidOperationException(
                    $"the process exited ({_process.ExitCode}) without printing the line awaited.\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}");
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException(
                    $"no awaited line within {timeout}.\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}");
            }

            await Task.Delay(20);
        }
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

    private void Append(StringBuilder buffer, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_gate)
        {
            buffer.Append(line).Append('\n');
        }
    }
}
