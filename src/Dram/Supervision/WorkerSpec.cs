using System.Globalization;
using Dram.Server.Hosting;

namespace Dram.Cli.Supervision;

/// <summary>
/// What the supervisor tells a worker, as the hidden first argument
/// <c>--dram-worker=fds=3,4;max-requests=1043;multiprocess=1;unset=DOTNET_GCgen0size;protocols=3:Https</c>; the user's
/// own arguments follow unchanged, so the worker parses exactly the configuration the supervisor did.
/// <c>unset</c> names the environment variables the supervisor added (<see cref="WorkerEnvironment"/>);
/// <c>metrics</c> (with --metrics) is the file holding the worker's counters (<see cref="Dram.Server.Metrics.MetricsSlot"/>).
/// <c>protocols</c> says what each descriptor speaks (cleartext HTTP/1.1 when not listed): only the
/// supervisor, which bound the sockets, knows which bind and family each one came from.
/// </summary>
internal sealed record WorkerSpec(IReadOnlyList<int> Fds, long MaxRequests, bool Multiprocess, IReadOnlyList<string> Unset,
    string? MetricsSlot = null, IReadOnlyDictionary<int, ListenProtocol>? Protocols = null)
{
    public const string Flag = "--dram-worker=";

    public string ToArgument() => string.Create(CultureInfo.InvariantCulture,
        $"{Flag}fds={string.Join(',', Fds)};max-requests={MaxRequests};multiprocess={(Multiprocess ? 1 : 0)};unset={string.Join(',', Unset)}"
        + $";protocols={string.Join(',', (Protocols ?? new Dictionary<int, ListenProtocol>()).Where(p => p.Value != ListenProtocol.Http1).Select(p => $"{p.Key}:{p.Value}"))}")
        + (MetricsSlot is null ? "" : ";metrics=" + Uri.EscapeDataString(MetricsSlot));

    public static bool TryParse(IReadOnlyList<string> args, out WorkerSpec? spec, out IReadOnlyList<string> rest)
    {
        spec = null;
        rest = args;
        if (args.Count == 0 || !args[0].StartsWith(Flag, StringComparison.Ordinal))
        {
            return false;
        }

        var fields = args[0][Flag.Length..].Split(';')
            .Select(f => f.Split('=', 2))
            .ToDictionary(f => f[0], f => f.Length > 1 ? f[1] : "", StringComparer.Ordinal);
        spec = new WorkerSpec(
            [.. fields.GetValueOrDefault("fds", "").Split(',', StringSplitOptions.RemoveEmptyEntries).Select(f => int.Parse(f, CultureInfo.InvariantCulture))],
            long.Parse(fields.GetValueOrDefault("max-requests", "0"), CultureInfo.InvariantCulture),
            fields.GetValueOrDefault("multiprocess") == "1",
            fields.GetValueOrDefault("unset", "").Split(',', StringSplitOptions.RemoveEmptyEntries),
            fields.TryGetValue("metrics", out var slot) ? Uri.UnescapeDataString(slot) : null,
            fields.GetValueOrDefault("protocols", "").Split(',', StringSplitOptions.RemoveEmptyEntries)
                .Select(p => p.Split(':', 2))
                .ToDictionary(p => int.Parse(p[0], CultureInfo.InvariantCulture), p => Enum.Parse<ListenProtocol>(p[1])));
        rest = [.. args.Skip(1)];
        return true;
    }
}

/// <summary>The lines a worker writes on its standard output, which the supervisor reads.</summary>
internal static class WorkerMessages
{
    public const string Prefix = "dram-worker:";

    /// <summary>Kestrel is accepting on the inherited sockets.</summary>
    public const string Ready = Prefix + "ready";

    /// <summary>Asks to be replaced (followed by a space and the reason): max-requests, a stuck request.</summary>
    public const string Recycle = Prefix + "recycle";
}
