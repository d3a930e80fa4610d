namespace Dram.Cli.Settings;

/// <summary>
/// A setting as resolved by the parser: the raw values it was given (none means the default) and
/// where they came from: "cli", "env NAME", "file PATH" or "default".
/// </summary>
internal sealed record EffectiveSetting(Setting Setting, IReadOnlyList<string> Values, string Source);
