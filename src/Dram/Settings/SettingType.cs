namespace Dram.Cli.Settings;

/// <summary>
/// A value type a setting can have: what it is called in help and docs, the placeholder shown
/// after the flag, and how a raw string becomes a value (throwing <see cref="SettingValueException"/>).
/// </summary>
internal sealed class SettingType<T>(string name, string metavar, Func<string, T> parse)
{
    public string Name { get; } = name;

    public string Metavar { get; } = metavar;

    public T Parse(string raw) => parse(raw);
}
