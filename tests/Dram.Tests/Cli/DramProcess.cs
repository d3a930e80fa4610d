using System.Text.RegularExpressions;
using Dram.Tests.Support;

namespace Dram.Tests.Cli;

/// <summary>The built dram CLI as a child process (see <see cref="ChildProcess"/>).</summary>
internal static partial class DramProcess
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>Starts dram from the repository root, without the developer's own DRAM_* variables.</summary>
    public static ChildProcess Start(params string[] args) => Start(new Dictionary<string, string?>(), args);

    /// <summary>Starts dram with <paramref name="environment"/> applied (a null value removes a variable).</summary>
    public static ChildProcess Start(IReadOnlyDictionary<string, string?> environment, params string[] args)
    {
        // DOTNET_HOST_PATH is set by the dotnet CLI for the processes it starts, such as the test host.
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        var applied = Environment.GetEnvironmentVariables().Keys.Cast<string>()
            .Where(k => k.StartsWith("DRAM_", StringComparison.OrdinalIgnoreCase))
            .ToDictionary(k => k, string? (_) => null);
        foreach (var (name, value) in environment)
        {
            applied[name] = value;
        }

        return ChildProcess.Start(dotnet, [CliTestPaths.DramDll(), .. args], CliTestPaths.RepoRoot, applied);
    }

    /// <summary>Runs dram to its exit.</summary>
    public static async Task<ChildProcessResult> RunAsync(params string[] args)
    {
        using var process = Start(args);
        return await process.WaitForExitAsync(Timeout);
    }

    /// <summary>The URL from the "Listening at:" log line, once the server is up.</summary>
    public static async Task<string> WaitForListeningAsync(this ChildProcess process)
    {
        var line = await process.WaitForStderrLineAsync(l => ListeningLine().IsMatch(l), Timeout);
        return ListeningLine().Match(line).Groups[1].Value;
    }

    public static Task<ChildProcessResult> WaitForExitAsync(this ChildProcess process) => process.WaitForExitAsync(Timeout);

    [GeneratedRegex(@"\[INFO\] Listening at: (\S+)")]
    private static partial Regex ListeningLine();
}
