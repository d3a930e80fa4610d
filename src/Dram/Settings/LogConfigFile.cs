using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Dram.Cli.Settings;

/// <summary>
/// The --log-config file. gunicorn's is a Python logging configuration, which a server that runs
/// no Python in its supervisor cannot read; Dram takes the shape .NET developers know from
/// appsettings.json instead, and only its per-category levels:
/// <c>{"LogLevel": {"Default": "Information", "dram.limits": "Warning", "Microsoft.AspNetCore": "Debug"}}</c>.
/// A category matches every category it is a prefix of; the longest match wins. Levels are .NET's
/// names (Trace, Debug, Information, Warning, Error, Critical, None) or gunicorn's (info,
/// warning, ...), in any case. Comments and trailing commas are allowed, as in --config. Anything
/// else is an error, so a typo cannot silently leave a level unchanged.
/// </summary>
internal static class LogConfigFile
{
    public const string LevelsKey = "LogLevel";

    /// <exception cref="SettingValueException">The file cannot be read or is not in this shape.</exception>
    public static Dictionary<string, LogLevel> Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SettingValueException($"cannot read it: {e.Message}");
        }

        try
        {
            using var document = JsonDocument.Parse(text, ConfigFile.ReadOptions);
            return Parse(document.RootElement);
        }
        catch (JsonException e)
        {
            throw new SettingValueException($"not valid JSON: {e.Message}", e);
        }
    }

    private static Dictionary<string, LogLevel> Parse(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new SettingValueException($"must be a JSON object with a \"{LevelsKey}\" object");
        }

        var levels = new Dictionary<string, LogLevel>(StringComparer.Ordinal);
        foreach (var property in root.EnumerateObject())
        {
            if (property.Name != LevelsKey)
            {
                throw new SettingValueException($"unknown key \"{property.Name}\" (the file has one key, \"{LevelsKey}\")");
            }

            if (property.Value.ValueKind != JsonValueKind.Object)
            {
                throw new SettingValueException($"\"{LevelsKey}\" must be an object of category names and levels");
            }

            foreach (var category in property.Value.EnumerateObject())
            {
                if (category.Name.Length == 0)
                {
                    throw new SettingValueException($"an empty category name in \"{LevelsKey}\"");
                }

                levels[category.Name] = category.Value.ValueKind == JsonValueKind.String && ParseLevel(category.Value.GetString()!) is { } level
                    ? level
                    : throw new SettingValueException(
                        $"\"{category.Name}\": {category.Value.GetRawText()} is not a level (Trace, Debug, Information, Warning, Error, Critical, None)");
            }
        }

        return levels;
    }

    private static LogLevel? ParseLevel(string name) => name.ToUpperInvariant() switch
    {
        "TRACE" => LogLevel.Trace,
        "DEBUG" => LogLevel.Debug,
        "INFORMATION" or "INFO" => LogLevel.Information,
        "WARNING" => LogLevel.Warning,
        "ERROR" => LogLevel.Error,
        "CRITICAL" => LogLevel.Critical,
        "NONE" => LogLevel.None,
        _ => null,
    };
}
