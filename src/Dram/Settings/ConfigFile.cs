using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Dram.Cli.Settings;

/// <summary>
/// The --config file: a JSON object (comments and trailing commas allowed) whose keys are the
/// settings' names as in their long flags (<c>"workers"</c>, <c>"forwarded-allow-ips"</c>). Each
/// value becomes the same raw string the command line would give, so the same
/// <see cref="SettingType{T}"/> validates it; a list setting takes an array. Also renders the
/// effective configuration in the same format for --print-config.
/// </summary>
internal static class ConfigFile
{
    /// <summary>The setting naming the file; it cannot appear inside the file.</summary>
    public const string SettingName = "config";

    /// <summary>JSON as Dram's files take it: comments and trailing commas allowed (also --log-config).</summary>
    internal static readonly JsonDocumentOptions ReadOptions = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    private static readonly JsonSerializerOptions WriteOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Reads the file's raw values per setting; every problem found is added to <paramref name="errors"/>.</summary>
    public static Dictionary<Setting, List<string>> Read(string path, IReadOnlyList<Setting> catalogue, List<string> errors)
    {
        var values = new Dictionary<Setting, List<string>>();
        var where = "config file " + CommandLineParser.Quote(path);
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            errors.Add($"{where}: cannot read it: {OneLine(e.Message)}");
            return values;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text, ReadOptions);
        }
        catch (JsonException e)
        {
            var line = (e.LineNumber ?? 0) + 1;
            var column = (e.BytePositionInLine ?? 0) + 1;
            errors.Add($"{where}: invalid JSON at line {line}, column {column}: {JsonReason(e.Message)}");
            return values;
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                errors.Add($"{where}: must be a JSON object of settings, e.g. {{\"workers\": 2}}, not {Describe(document.RootElement.ValueKind)}");
                return values;
            }

            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                var key = property.Name;
                var quotedKey = CommandLineParser.Quote(key);
                if (!seen.Add(key))
                {
                    errors.Add($"{where}: {quotedKey} is given twice");
                    continue;
                }

                if (key == SettingName)
                {
                    errors.Add($"{where}: {quotedKey} cannot be set inside a config file; give it as --config or DRAM_CONFIG");
                    continue;
                }

                var setting = catalogue.FirstOrDefault(s => s.IsNamed(key));
                if (setting is null)
                {
                    errors.Add($"{where}: unknown setting {quotedKey}{Suggestion(key, catalogue)}");
                    continue;
                }

                if (Values(property.Value, setting) is { } items)
                {
                    values[setting] = items;
                }
                else
                {
                    var expected = setting.Kind == SettingKind.List ? "a string, number or boolean, or an array of them" : "a string, number or boolean";
                    errors.Add($"{where}: {quotedKey} must be {expected}, not {Describe(property.Value.ValueKind)}");
                }
            }
        }

        return values;
    }

    /// <summary>The effective configuration as a config file, each setting's source in a comment above it.</summary>
    public static string Render(IReadOnlyList<EffectiveSetting> configuration)
    {
        var text = new StringBuilder();
        text.Append("// dram's effective configuration (dram --print-config); valid input for --config.\n");
        text.Append("// Above each setting, where its value came from: cli, env NAME, file PATH or default.\n");
        text.Append("// Settings left at their default are commented out.\n");
        text.Append("{\n");
        foreach (var (setting, values, source) in configuration)
        {
            var name = JsonSerializer.Serialize(setting.Name, WriteOptions);
            if (setting.Name == SettingName)
            {
                text.Append("  // ").Append(values.Count == 0 ? "default" : source).Append(" (--config cannot be set inside the file)\n");
                text.Append("  // ").Append(name).Append(": ").Append(values.Count == 0 ? "none" : Scalar(setting, values[^1])).Append('\n');
            }
            else if (values.Count == 0)
            {
                text.Append("  // default\n");
                text.Append("  // ").Append(name).Append(": ").Append(OneLine(setting.Default)).Append('\n');
            }
            else
            {
                var value = setting.Kind == SettingKind.List
                    ? "[" + string.Join(", ", values.Select(v => Scalar(setting, v))) + "]"
                    : Scalar(setting, values[^1]);
                text.Append("  // ").Append(OneLine(source)).Append('\n');
                text.Append("  ").Append(name).Append(": ").Append(value).Append(",\n");
            }
        }

        text.Append("}\n");
        return text.ToString();
    }

    private static List<string>? Values(JsonElement value, Setting setting)
    {
        if (value.ValueKind != JsonValueKind.Array)
        {
            return Scalar(value) is { } one ? [one] : null;
        }

        if (setting.Kind != SettingKind.List)
        {
            return null;
        }

        var items = new List<string>();
        foreach (var item in value.EnumerateArray())
        {
            if (Scalar(item) is not { } raw)
            {
                return null;
            }

            items.Add(raw);
        }

        return items;
    }

    // A number keeps its spelling ("16", "1.5"), so the setting's own type reports what is wrong with it.
    private static string? Scalar(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Number => value.GetRawText(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => null,
    };

    // Numbers and booleans are written bare when that reads back as the same raw string; anything else as a JSON string.
    private static string Scalar(Setting setting, string raw)
    {
        if (setting is Setting<int> && int.TryParse(raw, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n)
            && n.ToString(CultureInfo.InvariantCulture) == raw)
        {
            return raw;
        }

        if (setting is Setting<bool> && raw is "true" or "false")
        {
            return raw;
        }

        return JsonSerializer.Serialize(raw, WriteOptions);
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.Null => "null (remove the key to use the default)",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        _ => "a boolean",
    };

    // System.Text.Json appends "LineNumber: ... | BytePositionInLine: ..."; the line and column are reported separately.
    private static string JsonReason(string message)
    {
        var cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return OneLine(cut < 0 ? message : message[..cut]);
    }

    private static string OneLine(string text) => string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries)).Trim();

    /// <summary>" (did you mean 'workers'?)" when a setting's name is a couple of edits away.</summary>
    private static string Suggestion(string key, IReadOnlyList<Setting> catalogue)
    {
        var best = catalogue
            .Where(s => s.Name != SettingName)
            .Select(s => (s.Name, Distance: EditDistance(key.ToLowerInvariant().Replace('_', '-'), s.Name)))
            .MinBy(c => c.Distance);
        return best.Name is not null && best.Distance <= Math.Max(2, key.Length / 4) ? $" (did you mean '{best.Name}'?)" : "";
    }

    private static int EditDistance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var current = new int[b.Length + 1];
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1], previous[j]) + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }

            previous = current;
        }

        return previous[b.Length];
    }
}
