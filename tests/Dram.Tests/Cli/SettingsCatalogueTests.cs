using Dram.Cli.Settings;
using Dram.Server;

namespace Dram.Tests.Cli;

public class SettingsCatalogueTests
{
    [Fact]
    public void All_NamesFlagsAndEnvVars_AreUnique()
    {
        var all = SettingsCatalogue.All;

        Assert.Equal(all.Count, all.Select(s => s.Name).Distinct().Count());
        Assert.Equal(all.Count, all.Select(s => s.EnvVar).Distinct().Count());
        var shorts = all.Where(s => s.ShortFlag is not null).Select(s => s.ShortFlag!.Value).ToList();
        Assert.Equal(shorts.Count, shorts.Distinct().Count());
        Assert.DoesNotContain('h', shorts); // taken by --help
        Assert.DoesNotContain('V', shorts); // taken by --version
        Assert.DoesNotContain(all, s => s.Name is "help" or "version");
        Assert.Single(all, s => s.Kind == SettingKind.Positional);
    }

    [Fact]
    public void All_EverySetting_IsFullyDocumented()
    {
        Assert.All(SettingsCatalogue.All, s =>
        {
            // One underscore is gunicorn's own: limit-request-field_size keeps its spelling.
            Assert.Matches(s.Name == "limit-request-field_size" ? "^[a-z_-]+$" : "^[a-z][a-z0-9-]*$", s.Name);
            Assert.False(string.IsNullOrWhiteSpace(s.Default), s.Name);
            Assert.False(string.IsNullOrWhiteSpace(s.DefaultSource), s.Name);
            Assert.False(string.IsNullOrWhiteSpace(s.Summary), s.Name);
            Assert.False(string.IsNullOrWhiteSpace(s.Description), s.Name);
            Assert.DoesNotContain('\n', s.Description);
        });
    }

    [Theory]
    [InlineData("max-request-body", "DRAM_MAX_REQUEST_BODY")]
    [InlineData("log-level", "DRAM_LOG_LEVEL")]
    [InlineData("app", "DRAM_APP")]
    public void EnvVar_FromName_IsUpperCaseWithUnderscores(string name, string expected) =>
        Assert.Equal(expected, SettingsCatalogue.All.Single(s => s.Name == name).EnvVar);

    // The catalogue's stated defaults must be the ones the server actually uses when nothing is given.
    [Theory]
    [InlineData("threads")]
    [InlineData("max-request-body")]
    [InlineData("log-level")]
    [InlineData("bind")]
    public void Default_AppliedExplicitly_MatchesServerDefault(string name)
    {
        var setting = SettingsCatalogue.All.Single(s => s.Name == name);
        var fresh = new DramServerOptions();
        var applied = new DramServerOptions();

        setting.Apply(applied, setting.Default);

        Assert.Equal(Snapshot(fresh), Snapshot(applied));
    }

    private static string Snapshot(DramServerOptions o) =>
        string.Join("|", o.App, o.Factory, string.Join(",", o.Binds.DefaultIfEmpty(DramServerOptions.DefaultBind)),
            o.Chdir, string.Join(",", o.PythonPath), o.Python, o.Threads, o.MaxRequestBody, o.LogLevel);
}
