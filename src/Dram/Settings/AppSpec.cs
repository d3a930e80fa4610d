using System.Globalization;

namespace Dram.Cli.Settings;

/// <summary>
/// Checks the shape of APP (<c>module:attribute</c>, both dotted names) before Python starts,
/// so a typo is a usage error with a clear reason rather than an import traceback.
/// </summary>
internal static class AppSpec
{
    /// <summary>Returns <paramref name="raw"/> unchanged; the server reads a bare module as module:application.</summary>
    public static string Validate(string raw)
    {
        if (raw.Length == 0)
        {
            throw new SettingValueException("must not be empty; expected MODULE or MODULE:ATTRIBUTE");
        }

        var colon = raw.IndexOf(':', StringComparison.Ordinal);
        var module = colon < 0 ? raw : raw[..colon];
        var attribute = colon < 0 ? null : raw[(colon + 1)..];

        // Point out the usual mistakes by name; "not a dotted name" alone would leave the user guessing.
        if (module.EndsWith(".py", StringComparison.Ordinal))
        {
            throw new SettingValueException($"'{module}' looks like a file name; give the module name, e.g. '{module[..^3]}'");
        }

        if (module.Contains('/', StringComparison.Ordinal) || module.Contains('\\', StringComparison.Ordinal))
        {
            throw new SettingValueException("the module must be a dotted name, not a path; use --chdir or --pythonpath for the directory");
        }

        if (!IsDottedName(module))
        {
            throw new SettingValueException($"'{module}' is not a valid module name; expected MODULE or MODULE:ATTRIBUTE, e.g. myapp:application");
        }

        if (attribute is null)
        {
            return raw;
        }

        if (attribute.Length == 0)
        {
            throw new SettingValueException("missing attribute after ':'; expected MODULE:ATTRIBUTE, e.g. myapp:application");
        }

        if (attribute.EndsWith(')'))
        {
            throw new SettingValueException("the attribute must be a dotted name; to call a factory, give its name and add --factory");
        }

        if (!IsDottedName(attribute))
        {
            throw new SettingValueException($"'{attribute}' is not a valid attribute name; expected MODULE:ATTRIBUTE, e.g. myapp:application");
        }

        return raw;
    }

    private static bool IsDottedName(string name) =>
        name.Length > 0 && name.Split('.').All(IsIdentifier);

    // Python identifiers: a letter or underscore, then letters, digits, underscores and combining marks.
    private static bool IsIdentifier(string part) =>
        part.Length > 0
        && (char.IsLetter(part[0]) || part[0] == '_')
        && part.All(c => char.IsLetterOrDigit(c) || c == '_' || IsCombining(c));

    private static bool IsCombining(char c) => CharUnicodeInfo.GetUnicodeCategory(c) is
        UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.ConnectorPunctuation;
}
