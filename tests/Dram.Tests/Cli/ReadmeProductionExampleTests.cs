using System.Text.RegularExpressions;

namespace Dram.Tests.Cli;

/// <summary>
/// The README's production config file is checked by the real dram's <c>--check-config</c>, with
/// its directories moved into a temporary one, so the example cannot drift from the settings.
/// </summary>
public sealed partial class ReadmeProductionExampleTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dram-readme-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task ProductionConfig_PassesCheckConfig()
    {
        var readme = await File.ReadAllTextAsync(Path.Combine(CliTestPaths.RepoRoot, "README.md"));
        var example = ConfigBlock().Match(readme);
        Assert.True(example.Success, "README.md has no ```jsonc block under 'In production'");
        foreach (var sub in new[] { "media", "run", "log" })
        {
            Directory.CreateDirectory(Path.Combine(_dir, sub));
        }

        var config = example.Groups[1].Value
            .Replace("/srv/site/media", Path.Combine(_dir, "media"), StringComparison.Ordinal)
            .Replace("/run/dram", Path.Combine(_dir, "run"), StringComparison.Ordinal)
            .Replace("/var/log/dram", Path.Combine(_dir, "log"), StringComparison.Ordinal);
        var path = Path.Combine(_dir, "site.json");
        await File.WriteAllTextAsync(path, config);

        var result = await DramProcess.RunAsync("--config", path, "--check-config");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("configuration OK", result.Stdout + result.Stderr, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"```jsonc\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex ConfigBlock();
}
