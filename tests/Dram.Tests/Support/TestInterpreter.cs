using System.Diagnostics;

namespace Dram.Tests.Support;

/// <summary>
/// What the test process's interpreter (<see cref="PythonFixture.Interpreter"/>) says about itself
/// when run as a command: its version and sys.executable. Asked once, without embedding anything,
/// so the answer can name the interpreter in test names and be compared with what Dram embedded.
/// </summary>
internal static class TestInterpreter
{
    private static readonly Lazy<(string? Version, string? Executable, string? Error)> s_answer = new(Ask);

    /// <summary>Its version (e.g. 3.12.1), or null when it could not be run.</summary>
    public static string? Version => s_answer.Value.Version;

    /// <summary>Its sys.executable, or null when it could not be run.</summary>
    public static string? Executable => s_answer.Value.Executable;

    /// <summary>Why it could not be run, or null.</summary>
    public static string? Error => s_answer.Value.Error;

    /// <summary>How the test output names its version: "CPython 3.12.1", or "not runnable".</summary>
    public static string Name => Version is { } version ? $"CPython {version}" : "not runnable";

    private static (string?, string?, string?) Ask()
    {
        var start = new ProcessStartInfo(PythonFixture.Interpreter)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "-E", "-s", "-c", "import sys; print(sys.version.split()[0]); print(sys.executable)" })
        {
            start.ArgumentList.Add(arg);
        }

        try
        {
            using var process = Process.Start(start);
            if (process is null)
            {
                return (null, null, "Process.Start returned null");
            }

            process.StandardInput.Close();
            var stderr = process.StandardError.ReadToEndAsync();
            var lines = process.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (!process.WaitForExit(TimeSpan.FromSeconds(30)))
            {
                process.Kill(entireProcessTree: true);
                return (null, null, "no answer in 30 s");
            }

            return process.ExitCode == 0 && lines.Length == 2
                ? (lines[0], lines[1], null)
                : (null, null, $"exit {process.ExitCode}: {stderr.GetAwaiter().GetResult().Trim()}");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (null, null, e.Message);
        }
    }
}
