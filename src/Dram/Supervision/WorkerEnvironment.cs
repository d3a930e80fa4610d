using System.Diagnostics;

namespace Dram.Cli.Supervision;

/// <summary>
/// Runtime settings the supervisor gives each worker through its environment, the only way the
/// .NET runtime reads them, and which the worker then removes so the Python app and the processes
/// it starts never see them. A variable the user set is left alone, and so is its value.
/// </summary>
/// <remarks>
/// DOTNET_GCgen0size: the workstation GC sizes its first-generation budget from the CPU's cache
/// (about 16 MiB on this machine's EPYC) and each worker keeps that much committed. A worker's own
/// allocations per request are small, so 4 MiB costs no measurable throughput and saves about
/// 8 MB of PSS per worker (bench/README.md, "Memory").
///
/// DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS: socket completions run on the epoll thread
/// instead of being queued to the thread pool. Dram's request code never blocks on Kestrel's
/// threads (Python runs elsewhere), which is what makes inlining safe, and it saves a thread hop
/// per read. Measured with wrk on this machine, together with Kestrel's inline scheduling for
/// ASGI (DramServer.Start.cs): hello world at one worker 75k instead of 69k (ASGI); WSGI hello
/// world and Flask went up by a few per cent (78-79k and 21-22k).
/// </remarks>
internal static class WorkerEnvironment
{
    private static readonly (string Name, string Value)[] s_defaults =
    [
        ("DOTNET_GCgen0size", "0x400000"),
        ("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1"),
    ];

    /// <summary>The defaults the user has not set, decided once from the supervisor's environment.</summary>
    public static IReadOnlyList<(string Name, string Value)> Injected { get; } =
    [
        .. s_defaults.Where(d => Environment.GetEnvironmentVariable(d.Name) is null
            && Environment.GetEnvironmentVariable("COMPlus_" + d.Name["DOTNET_".Length..]) is null),
    ];

    public static void Apply(ProcessStartInfo startInfo)
    {
        foreach (var (name, value) in Injected)
        {
            startInfo.Environment[name] = value;
        }
    }

    /// <summary>In the worker, before Python starts: removes the variables the supervisor set (named in its <see cref="WorkerSpec"/>).</summary>
    public static void Remove(IEnumerable<string> names)
    {
        // .NET reads the sockets setting when the first socket starts, after Python: loading the
        // managed copy of the environment now keeps the value for .NET once the C environment,
        // which Python copies into os.environ, no longer has it.
        _ = Environment.GetEnvironmentVariables();
        foreach (var name in names)
        {
            Native.UnsetEnvironmentVariable(name);
        }
    }
}
