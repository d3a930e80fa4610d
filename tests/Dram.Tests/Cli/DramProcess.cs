using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace Dram.Tests.Cli;

/// <summary>The built dram CLI as a child process, with its output captured.</summary>
internal sealed partial class DramProcess : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly TaskCompletionSource<string> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private DramProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => Append(_stdout, e.Data);
        process.ErrorDataReceived += (_, e) =>
        {
            Append(_stderr, e.Data);
            if (e.Data is { } line && ListeningLine().Match(line) is { Success: true } match)
            {
                _listening.TrySetResult(match.Groups[1].Value);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int Id => _process.Id;

    public static DramProcess Start(params string[] args)
    {
        // DOTNET_HOST_PATH is set by the dotnet CLI for the processes it starts, such as the test host.
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = CliTestPaths.RepoRoot,
        };
        start.ArgumentList.Add(CliTestPaths.DramDll());
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // The developer's own DRAM_* variables must not change what these tests see.
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("DRAM_", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(name);
        }

        return new DramProcess(Process.Start(start)!);
    }

    /// <summary>Runs dram to its exit.</summary>
    public static async Task<DramResult> RunAsync(params string[] args)
    {
        using var process = Start(args);
        return await process.WaitForExitAsync();
    }

    /// <summary>The URL from the "Listening at:" log line, once the server is up.</summary>
    public async Task<string> WaitForListeningAsync()
    {
        var exited = _process.WaitForExitAsync();
        var first = await Task.WhenAny(_listening.Task, exited).WaitAsync(Timeout);
        return first == _listening.Task
            ? await _listening.Task
            : throw new InvalidOperationException($"dram exited ({_process.ExitCode}) before listening:\n{Stderr}");
    }

    public async Task<DramResult> WaitForExitAsync()
    {
        using var timeout = new CancellationTokenSource(Timeout);
        await _process.WaitForExitAsync(timeout.Token);
        return new DramResult(_process.ExitCode, Stdout, Stderr);
    }

    private string Stdout
    {
        get
        {
            lock (_stdout)
            {
                return _stdout.ToString();
            }
        }
    }

    private string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
    }

    private static void Append(StringBuilder builder, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (builder)
        {
            builder.Append(line).Append('\n');
        }
    }

    [GeneratedRegex(@"\[INFO\] Listening at: (\S+)")]
    private static partial Regex ListeningLine();
}

/// <summary>How a dram process ended.</summary>
internal sealed record DramResult(int Code, string Stdout, string Stderr)
{
    /// <summary>A .NET stack trace has lines starting with "   at "; the user must never see one.</summary>
    public void AssertNoStackTrace()
    {
        Assert.DoesNotContain("   at ", Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", Stdout, StringComparison.Ordinal);
    }
}
