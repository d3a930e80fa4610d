using System.Text;
using Dram.Cli.Settings;

namespace Dram.Cli;

/// <summary>Renders --help from the settings catalogue, so every setting shows up with its env var and default.</summary>
internal static class HelpText
{
    private const int Width = 80;
    private const int MaxLeftColumn = 26;

    public static string Render(IReadOnlyList<Setting>? catalogue = null)
    {
        catalogue ??= SettingsCatalogue.All;
        var positional = catalogue.Where(s => s.Kind == SettingKind.Positional).ToList();
        var options = catalogue.Where(s => s.Kind != SettingKind.Positional)
            .Select(s => (s.Usage, Paragraphs: Paragraphs(s)))
            .Append((CommandLineParser.PrintConfigFlag, ["Print the effective configuration as a --config file, each setting's source in a comment, and exit."]))
            .Append((CommandLineParser.CheckConfigFlag, ["Check every setting (file, environment, command line) without starting Python; exit 0 or 2."]))
            .Append(("-h, --help", ["Show this help and exit."]))
            .Append(("-V, --version", ["Show the version and exit."]))
            .ToList();

        var text = new StringBuilder();
        text.Append("usage: dram [OPTIONS]").Append(string.Concat(positional.Select(p => $" [{p.Metavar}]"))).Append('\n');
        text.Append('\n');
        text.Append("Serve Python WSGI and ASGI apps with Kestrel and CPython in one process.\n");
        if (positional.Count > 0)
        {
            text.Append("\narguments:\n");
            AppendEntries(text, positional.Select(s => (s.Usage, Paragraphs(s))));
        }

        text.Append("\noptions:\n");
        AppendEntries(text, options);
        text.Append('\n');
        foreach (var line in TextWrap.Lines(
            "Every setting can also come from its environment variable or the --config file. The command line wins " +
            "over the environment, the environment over the file, and the file over the default. See " +
            "docs/configuration.md for details.", Width))
        {
            text.Append(line).Append('\n');
        }

        return text.ToString();
    }

    private static string[] Paragraphs(Setting setting)
    {
        var env = setting.Kind == SettingKind.List
            ? $"{setting.EnvVar}, {setting.EnvSeparator.Describe()}"
            : setting.EnvVar;
        return [setting.Summary, "env: " + env, "default: " + setting.Default];
    }

    private static void AppendEntries(StringBuilder text, IEnumerable<(string Usage, string[] Paragraphs)> entries)
    {
        var indent = new string(' ', MaxLeftColumn + 2);
        foreach (var (usage, paragraphs) in entries)
        {
            var lines = paragraphs.SelectMany(p => TextWrap.Lines(p, Width - indent.Length)).ToList();
            var left = "  " + usage;
            if (left.Length > MaxLeftColumn)
            {
                // A long flag gets a line of its own rather than squeezing the description.
                text.Append(left).Append('\n');
                left = "";
            }

            foreach (var line in lines)
            {
                text.Append(left.PadRight(indent.Length)).Append(line).Append('\n');
                left = "";
            }
        }
    }
}
