using Dram.Server;

namespace Dram.Cli.Settings;

/// <summary>
/// One setting, declared once in <see cref="SettingsCatalogue"/>. The parser, --help and
/// docs/configuration.md are all generated from these declarations, so they cannot drift apart.
/// </summary>
internal abstract class Setting
{
    /// <summary>Lower-case, dash-separated; gives the long flag and the environment variable.</summary>
    public required string Name { get; init; }

    public SettingKind Kind { get; init; } = SettingKind.Option;

    public char? ShortFlag { get; init; }

    /// <summary>Only meaningful for <see cref="SettingKind.List"/>.</summary>
    public ListSeparator EnvSeparator { get; init; } = ListSeparator.Comma;

    /// <summary>What happens when the setting is not given, in words (some defaults are resolved later by the server).</summary>
    public required string Default { get; init; }

    /// <summary>Why the default is what it is, e.g. "Matches gunicorn's default."</summary>
    public required string DefaultSource { get; init; }

    /// <summary>One line for --help.</summary>
    public required string Summary { get; init; }

    /// <summary>One paragraph for docs/configuration.md.</summary>
    public required string Description { get; init; }

    /// <summary>"--name", or null for the positional argument.</summary>
    public string? LongFlag => Kind == SettingKind.Positional ? null : "--" + Name;

    public string EnvVar => "DRAM_" + Name.ToUpperInvariant().Replace('-', '_');

    /// <summary>Another environment variable read when <see cref="EnvVar"/> is unset (a name other servers already use).</summary>
    public string? AlsoEnvVar { get; init; }

    /// <summary>Another name accepted as a flag and config key (--limit-request-field-size for gunicorn's underscore name).</summary>
    public string? Alias { get; init; }

    /// <summary>Whether <paramref name="name"/> (a flag's name without its dashes, or a config key) names this setting.</summary>
    public bool IsNamed(string name) => name == Name || (Alias is not null && name == Alias);

    public string Metavar => Kind == SettingKind.Positional ? Name.ToUpperInvariant() : TypeMetavar;

    /// <summary>How the flag or argument is written in help and docs, e.g. "-b, --bind HOST:PORT".</summary>
    public string Usage => Kind switch
    {
        SettingKind.Positional => Metavar,
        SettingKind.Flag => (ShortFlag is { } f ? $"-{f}, " : "") + LongFlag,
        _ => (ShortFlag is { } s ? $"-{s}, " : "") + LongFlag + " " + Metavar,
    };

    /// <summary>The value type in words, e.g. "integer from 1 to 1024" or "list of HOST:PORT".</summary>
    public string TypeDescription => Kind switch
    {
        SettingKind.List => "list; each item a " + TypeName,
        SettingKind.Flag => "flag (no value); in the environment a boolean",
        _ => TypeName,
    };

    protected abstract string TypeName { get; }

    protected abstract string TypeMetavar { get; }

    /// <summary>Parses one raw value and applies it; list settings get one call per item.</summary>
    /// <exception cref="SettingValueException">The value is not valid for this setting.</exception>
    public abstract void Apply(DramServerOptions options, string raw);
}
