using System.Collections;

namespace Dram.Cli;

/// <summary>The process environment as the dictionary the parser takes.</summary>
internal static class ProcessEnvironment
{
    public static IReadOnlyDictionary<string, string> Read()
    {
        // Variable names are case-insensitive on Windows only.
        var result = new Dictionary<string, string>(OperatingSystem.IsWindows() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal);
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            if (entry.Key is string name && entry.Value is string value)
            {
                result[name] = value;
            }
        }

        return result;
    }
}
