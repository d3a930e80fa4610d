using System.Globalization;

namespace Dram.Cli.Settings;

/// <summary>
/// A size in bytes: a whole number, optionally with a K, M, G or T suffix (also KiB, MiB, ...).
/// Suffixes are powers of 1024 because that is what people mean by "1G" for a body limit.
/// </summary>
internal static class ByteSize
{
    private const string Expected = "must be a whole number of bytes, optionally with a K, M, G or T suffix (powers of 1024)";

    public static long Parse(string raw)
    {
        var digits = raw.TakeWhile(char.IsAsciiDigit).Count();
        var suffix = raw[digits..];
        var shift = suffix.ToUpperInvariant() switch
        {
            "" => 0,
            "K" or "KIB" => 10,
            "M" or "MIB" => 20,
            "G" or "GIB" => 30,
            "T" or "TIB" => 40,
            _ => -1,
        };
        if (digits == 0 || shift < 0)
        {
            throw new SettingValueException(Expected);
        }

        if (!long.TryParse(raw.AsSpan(0, digits), NumberStyles.None, CultureInfo.InvariantCulture, out var number)
            || number > long.MaxValue >> shift)
        {
            throw new SettingValueException("is too large");
        }

        return number << shift;
    }
}
