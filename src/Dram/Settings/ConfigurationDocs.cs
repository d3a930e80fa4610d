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
        md.Append("Every setting can be given on the command line, in a `DRAM_*` environment variable or in the config file ");
        md.Append("(`--config FILE`). For each setting the command line wins over the environment, the environment over the ");
        md.Append("config file, and the file over the default; a list comes whole from the first of these that has it. ");
        md.Append("`dram --help` lists the same settings; `dram --version` prints the version.\n\n");
        md.Append("In the environment:\n\n");
        md.Append("- an empty variable counts as unset;\n");
        md.Append("- flags take `1`, `0`, `true`, `false`, `yes` or `no`;\n");
        md.Append("- repeatable settings take a list: `DRAM_BIND` is comma-separated, `DRAM_PYTHONPATH` uses `os.pathsep` ");
        md.Append("(`:` on POSIX, `;` on Windows), like `PYTHONPATH`. A list on the command line replaces the one in the environment.\n\n");
        md.Append("Every invalid value (from any source), unknown option or unknown config file key, and a badly formed APP, is ");
        md.Append("reported at once, one `dram: error:` line each, and dram exits with code 2 before Python starts.\n\n");

        md.Append("## The config file\n\n");
        md.Append("`--config FILE` (or `DRAM_CONFIG`) reads settings from a JSON file. Comments (`//` and `/* */`) and trailing ");
        md.Append("commas are allowed. The file is one object whose keys are the settings' names exactly as in their long flags, ");
        md.Append("without the dashes; `config` itself cannot appear in it. A value is a string, number or boolean, turned into ");
        md.Append("the same text the command line would give, so it is checked exactly as there; a repeatable setting takes an ");
        md.Append("array (or one value). An unknown key, a value of the wrong JSON type (an object, `null`, an array for a single ");
        md.Append("setting) or malformed JSON (reported with its line and column) is an error.\n\n");
        md.Append("```jsonc\n");
        md.Append("{\n");
        md.Append("  // Serve on all interfaces, with two worker processes.\n");
        md.Append("  \"bind\": [\"0.0.0.0:8000\"],\n");
        md.Append("  \"workers\": 2,\n");
        md.Append("  \"forwarded-allow-ips\": [\"10.0.0.0/8\"],\n");
        md.Append("  \"app\": \"myproject.wsgi:application\",\n");
        md.Append("}\n");
        md.Append("```\n\n");
        md.Append("Why JSON: there is no TOML parser in the .NET runtime, and JSON is read by the runtime's own parser ");
        md.Append("(System.Text.Json), so there is no hand-written parser to get wrong; it is strict about types (`\"2\"` ");
        md.Append("and `2` are both accepted for a number, but an object never is), a list is a real array rather than a ");
        md.Append("separated string, and with comments allowed a file can explain itself.\n\n");
        md.Append("`dram --print-config` prints the effective configuration in this format and exits without starting Python: ");
        md.Append("every setting, with a comment above it saying where its value came from (`cli`, `env NAME`, `file PATH` or ");
        md.Append("`default`; settings at their default are commented out). Its output is valid input for `--config`. ");
        md.Append("`dram --check-config` checks the file, the environment, the command line and the shape of APP (without ");
        md.Append("importing it) and prints `configuration OK` with exit code 0, or every error with exit code 2. ");
        md.Append("Worker processes (`--workers`) are given the same arguments and environment, so they read the same file.\n\n");

        md.Append("## Settings\n\n");
        md.Append("| Setting | Command line | Environment | Config file | Default |\n");
        md.Append("| --- | --- | --- | --- | --- |\n");
        foreach (var setting in catalogue)
        {
            md.Append($"| [{setting.Name}](#{setting.Name}) | `{setting.Usage}` | `{setting.EnvVar}` | {FileKey(setting)} | {Cell(setting.Default)} |\n");
        }

        foreach (var setting in catalogue)
        {
            md.Append($"\n## {setting.Name}\n\n");
            md.Append($"- Command line: `{setting.Usage}`{(setting.Kind == SettingKind.List ? " (repeatable)" : "")}\n");
            var env = setting.Kind == SettingKind.List ? $", {setting.EnvSeparator.Describe()}" : "";
            var also = setting.AlsoEnvVar is { } other ? $" (or `{other}` when that is unset)" : "";
            md.Append($"- Environment: `{setting.EnvVar}`{env}{also}\n");
            md.Append($"- Config file: {FileKey(setting)}{(setting.Kind == SettingKind.List ? " (an array, or one value)" : "")}\n");
            md.Append($"- Type: {setting.TypeDescription}\n");
            md.Append($"- Default: {setting.Default}. {setting.DefaultSource}\n\n");
            md.Append(setting.Description).Append('\n');
        }

        return md.ToString();
    }

    private static string FileKey(Setting setting) =>
        setting.Name == ConfigFile.SettingName ? "not allowed" : $"`\"{setting.Name}\"`";

    // Table cells cannot contain a bare '|'.
    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal);
}
