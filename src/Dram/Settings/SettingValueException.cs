namespace Dram.Cli.Settings;

/// <summary>
/// A value that a setting's type rejects. The message is only the reason (for example
/// "must be an integer from 1 to 1024"); the parser adds which setting and value it was.
/// </summary>
internal sealed class SettingValueException : Exception
{
    public SettingValueException() { }

    public SettingValueException(string reason) : base(reason) { }

    public SettingValueException(string reason, Exception inner) : base(reason, inner) { }
}
