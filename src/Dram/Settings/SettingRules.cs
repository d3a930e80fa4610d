using Dram.Server;
using Dram.Server.Hosting;

namespace Dram.Cli.Settings;

/// <summary>
/// Checks that need several settings at once (a key without its certificate, a key that does not
/// match it). They run after every value was parsed on its own, so their errors join the others
/// and are all reported at once; a rule about a setting whose value was already rejected is skipped.
/// </summary>
internal static class SettingRules
{
    /// <summary>One line per problem; <paramref name="failed"/> says which settings (by name) had a bad value.</summary>
    public static IReadOnlyList<string> Check(DramServerOptions options, Func<string, bool> failed) =>
        [.. TlsOptions.Check(options, failed)];
}
