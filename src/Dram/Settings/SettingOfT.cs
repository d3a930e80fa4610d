using Dram.Server;

namespace Dram.Cli.Settings;

/// <summary>A setting whose values are of type <typeparamref name="T"/>.</summary>
internal sealed class Setting<T> : Setting
{
    public required SettingType<T> Type { get; init; }

    /// <summary>Puts a parsed value into the options (for a list, adds one item).</summary>
    public required Action<DramServerOptions, T> ApplyTo { get; init; }

    protected override string TypeName => Type.Name;

    protected override string TypeMetavar => Type.Metavar;

    public override void Apply(DramServerOptions options, string raw) => ApplyTo(options, Type.Parse(raw));
}
