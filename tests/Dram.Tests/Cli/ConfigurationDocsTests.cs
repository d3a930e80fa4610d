using Dram.Cli.Settings;

namespace Dram.Tests.Cli;

public class ConfigurationDocsTests
{
    [Fact]
    public void Render_ComparedWithRepository_IsUpToDate()
    {
        var path = Path.Combine(CliTestPaths.RepoRoot, ConfigurationDocs.RelativePath);
        var expected = ConfigurationDocs.Render();

        // Setting DRAM_UPDATE_DOCS=1 turns this check into the generator.
        if (Environment.GetEnvironmentVariable("DRAM_UPDATE_DOCS") == "1")
        {
            File.WriteAllText(path, expected);
            return;
        }

        // Normalise line endings so a Windows checkout with autocrlf still passes.
        var actual = File.Exists(path) ? File.ReadAllText(path).ReplaceLineEndings("\n") : "";
        Assert.True(
            actual == expected,
            $"{ConfigurationDocs.RelativePath} does not match the settings catalogue{FirstDifference(expected, actual)}. Regenerate it with:\n" +
            "  DRAM_UPDATE_DOCS=1 dotnet test tests/Dram.Tests --filter \"FullyQualifiedName~ConfigurationDocsTests\"");
    }

    [Fact]
    public void Render_EverySetting_HasSectionWithFlagAndEnvVar()
    {
        var docs = ConfigurationDocs.Render();

        Assert.All(SettingsCatalogue.All, s =>
        {
            Assert.Contains($"\n## {s.Name}\n", docs, StringComparison.Ordinal);
            Assert.Contains($"`{s.Usage}`", docs, StringComparison.Ordinal);
            Assert.Contains($"`{s.EnvVar}`", docs, StringComparison.Ordinal);
            Assert.Contains(s.Description, docs, StringComparison.Ordinal);
        });
    }

    private static string FirstDifference(string expected, string actual)
    {
        var e = expected.Split('\n');
        var a = actual.Split('\n');
        for (var i = 0; i < Math.Max(e.Length, a.Length); i++)
        {
            var want = i < e.Length ? e[i] : "<end of file>";
            var got = i < a.Length ? a[i] : "<end of file>";
            if (want != got)
            {
                return $" (first difference at line {i + 1}: expected \"{want}\", found \"{got}\")";
            }
        }

        return "";
    }
}
