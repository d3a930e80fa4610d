using System.Text;

namespace Dram.Cli.Settings;

/// <summary>
/// Renders docs/configuration.md from the catalogue. A test compares the file with this output,
/// so the docs cannot fall behind the code; output uses '\n' on every OS for the same reason.
/// </summary>
internal static class ConfigurationDocs
{
    public const string RelativePath = "docs/configuration.md";

    public static string Render(IReadOnlyList<Setting>? catalogue = null)
    {
        catalogue ??= SettingsCatalogue.All;
        var md = new StringBuilder();
        md.Append("# Configuration\n\n");
        md.Append("<!-- Generated from src/Dram/Settings/SettingsCatalogue.cs; do not edit by hand. To regenerate, run:\n");
        md.Append("     DRAM_UPDATE_DOCS=1 dotnet test tests/Dram.Tests --filter \"FullyQualifiedName~ConfigurationDocsTests\" -->\n\n");
        md.Append("Every setting can be given on the command line or in a `DRAM_*` environment variable. ");
        md.Append("The command line wins over the environment, and the environment wins over the default. ");
        md.Append("`dram --help` lists the same settings; `dram --version` prints the version.\n\n");
        md.Append("In the environment:\n\n");
        md.Append("- an empty variable counts as unset;\n");
        md.Append("- flags take `1`, `0`, `true`, `false`, `yes` or `no`;\n");
        md.Append("- repeatable settings take a list: `DRAM_BIND` is comma-separated, `DRAM_PYTHONPATH` uses `os.pathsep` ");
        md.Append("(`:` on POSIX, `;` on Windows), like `PYTHONPATH`. A list on the command line replaces the one in the environment.\n\n");
        md.Append("An invalid value, an unknown option or a badly formed APP stops dram with exit code 2 before Python starts.\n\n");

        md.Append("| Setting | Command line | Environment | Default |\n");
        md.Append("| --- | --- | --- | --- |\n");
        foreach (var setting in catalogue)
        {
            md.Append($"| [{setting.Name}](#{setting.Name}) | `{setting.Usage}` | `{setting.EnvVar}` | {Cell(setting.Default)} |\n");
        }

        foreach (var setting in catalogue)
        {
            md.Append($"\n## {setting.Name}\n\n");
            md.Append($"- Command line: `{setting.Usage}`{(setting.Kind == SettingKind.List ? " (repeatable)" : "")}\n");
            var env = setting.Kind == SettingKind.List ? $", {setting.EnvSeparator.Describe()}" : "";
            var also = setting.AlsoEnvVar is { } other ? $" (or `{other}` when that is unset)" : "";
            md.Append($"- Environment: `{setting.EnvVar}`{env}{also}\n");
            md.Append($"- Type: {setting.TypeDescription}\n");
            md.Append($"- Default: {setting.Default}. {setting.DefaultSource}\n\n");
            md.Append(setting.Description).Append('\n');
        }

        return md.ToString();
    }

    // Table cells cannot contain a bare '|'.
    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal);
}
