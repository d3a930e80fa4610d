namespace Dram.Cli.Settings;

/// <summary>How a setting appears on the command line.</summary>
internal enum SettingKind
{
    /// <summary>An option that takes one value; given twice, the last one wins.</summary>
    Option,

    /// <summary>An option without a value; its environment variable takes a boolean.</summary>
    Flag,

    /// <summary>An option that may be repeated; its environment variable holds a separated list.</summary>
    List,

    /// <summary>The bare argument after the options (only APP today).</summary>
    Positional,
}
