using Dram.Cli.Settings;
using Dram.Server;

namespace Dram.Cli;

/// <summary>
/// Turns arguments, environment variables and the --config file into <see cref="DramServerOptions"/>
/// using the settings catalogue. A pure function of its inputs (except that --chdir must exist and
/// the config file and the TLS files are read), so tests pass their own environment instead of the process's.
/// Every problem found is reported, not just the first.
/// </summary>
internal static class CommandLineParser
{
    public const string PrintConfigFlag = "--print-config";
    public const string CheckConfigFlag = "--check-config";

    public static ParseResult Parse(
        IReadOnlyList<string> args,
        IReadOnlyDictionary<string, string> environment,
        IReadOnlyList<Setting>? catalogue = null)
    {
        catalogue ??= SettingsCatalogue.All;

        // Help and version win wherever they appear, so "dram --bogus --help" still shows the help.
        var beforeDoubleDash = args.TakeWhile(a => a != "--").ToList();
        if (beforeDoubleDash.Exists(a => a is "-h" or "--help"))
        {
            return new ParseResult(ParseAction.Help);
        }

        if (beforeDoubleDash.Exists(a => a is "-V" or "--version"))
        {
            return new ParseResult(ParseAction.Version);
        }

        var errors = new List<string>();
        var fromCli = new Dictionary<Setting, List<string>>();
        var action = ReadArguments(args, catalogue, fromCli, errors);

        // The config file is named on the command line or in DRAM_CONFIG, never inside a config file.
        var fromFile = new Dictionary<Setting, List<string>>();
        string? configPath = null;
        if (catalogue.FirstOrDefault(s => s.Name == ConfigFile.SettingName) is { } configSetting)
        {
            configPath = (fromCli.TryGetValue(configSetting, out var given) ? given : FromEnvironment(configSetting, environment).Values).LastOrDefault();
            if (!string.IsNullOrEmpty(configPath))
            {
                fromFile = ConfigFile.Read(configPath, catalogue, errors);
            }
        }

        var result = new DramServerOptions();
        var configuration = new List<EffectiveSetting>();
        var failed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var setting in catalogue)
        {
            // Command line beats environment beats config file beats default: only the first source that has the
            // setting is read, so a list comes whole from one source. A default is "nothing applied", so the
            // server keeps DramServerOptions' own defaults.
            List<string> values;
            string source, label, where = "";
            if (fromCli.TryGetValue(setting, out var onCli))
            {
                (values, source, label) = (onCli, "cli", setting.LongFlag ?? setting.Metavar);
            }
            else if (FromEnvironment(setting, environment) is { Values.Count: > 0 } env)
            {
                (values, source, label) = (env.Values, "env " + env.Source, env.Source);
            }
            else if (fromFile.TryGetValue(setting, out var inFile) && inFile.Count > 0)
            {
                (values, source, label, where) = (inFile, "file " + configPath, setting.Name, " in config file " + Quote(configPath!));
            }
            else
            {
                (values, source, label) = ([], "default", setting.Name);
            }

            configuration.Add(new EffectiveSetting(setting, values, source));
            foreach (var raw in values)
            {
                try
                {
                    setting.Apply(result, raw);
                }
                catch (SettingValueException e)
                {
                    // Keep going: every bad value is reported at once.
                    errors.Add($"invalid {label} {Quote(raw)}{where}: {e.Message}");
                    failed.Add(setting.Name);
                }
            }
        }

        // Rules between settings, after each value was checked on its own.
        errors.AddRange(SettingRules.Check(result, failed.Contains));
        if (errors.Count > 0)
        {
            return ParseResult.Fail(errors);
        }

        return action == ParseAction.Run
            ? ParseResult.Run(result)
            : new ParseResult(action, result, Configuration: configuration);
    }

    /// <summary>
    /// Reads the arguments into <paramref name="values"/>, adding every problem to <paramref name="errors"/>;
    /// returns the action --print-config or --check-config asks for, else Run.
    /// </summary>
    private static ParseAction ReadArguments(IReadOnlyList<string> args, IReadOnlyList<Setting> catalogue, Dictionary<Setting, List<string>> values, List<string> errors)
    {
        var action = ParseAction.Run;
        var positional = catalogue.FirstOrDefault(s => s.Kind == SettingKind.Positional);
        var onlyPositional = false;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            Setting? setting;
            string? inline = null;
            string shown;
            if (onlyPositional || !LooksLikeOption(arg))
            {
                if (positional is null || values.ContainsKey(positional))
                {
                    errors.Add($"unexpected argument {Quote(arg)}");
                    continue;
                }

                values[positional] = [arg];
                continue;
            }

            if (arg == "--")
            {
                onlyPositional = true;
                continue;
            }

            if (arg is PrintConfigFlag or CheckConfigFlag)
            {
                // --print-config wins over --check-config: it validates just as much, and shows more.
                action = arg == PrintConfigFlag || action == ParseAction.PrintConfig ? ParseAction.PrintConfig : ParseAction.CheckConfig;
                continue;
            }

            if (arg.StartsWith("--", StringComparison.Ordinal))
            {
                var equals = arg.IndexOf('=', StringComparison.Ordinal);
                shown = equals < 0 ? arg : arg[..equals];
                inline = equals < 0 ? null : arg[(equals + 1)..];
                setting = catalogue.FirstOrDefault(s => s.LongFlag == shown || (s.Kind != SettingKind.Positional && "--" + s.Alias == shown));
            }
            else
            {
                // "-b HOST:PORT" or "-bHOST:PORT".
                shown = arg[..2];
                inline = arg.Length > 2 ? arg[2..] : null;
                setting = catalogue.FirstOrDefault(s => s.ShortFlag == arg[1] && s.Kind != SettingKind.Positional);
            }

            if (setting is null)
            {
                errors.Add($"unrecognized option {Quote(shown)}");
                continue;
            }

            string value;
            if (setting.Kind == SettingKind.Flag)
            {
                if (inline is not null)
                {
                    errors.Add($"option {shown} does not take a value");
                    continue;
                }

                value = "true";
            }
            else if (inline is not null)
            {
                value = inline;
            }
            else if (i + 1 < args.Count && !LooksLikeOption(args[i + 1]))
            {
                value = args[++i];
            }
            else
            {
                errors.Add($"option {shown} requires a value ({setting.Metavar})");
                continue;
            }

            if (setting.Kind == SettingKind.List && values.TryGetValue(setting, out var list))
            {
                list.Add(value);
            }
            else
            {
                // A repeated single-value option: the last one wins, as with most command-line tools.
                values[setting] = [value];
            }
        }

        return action;
    }

    private static (List<string> Values, string Source) FromEnvironment(Setting setting, IReadOnlyDictionary<string, string> environment)
    {
        // An empty variable counts as unset: "DRAM_BIND=" in a compose file usually means "no override".
        var name = setting.EnvVar;
        if (!environment.TryGetValue(name, out var raw) || string.IsNullOrWhiteSpace(raw))
        {
            if (setting.AlsoEnvVar is not { } also || !environment.TryGetValue(also, out raw) || string.IsNullOrWhiteSpace(raw))
            {
                return ([], name);
            }

            name = also;
        }

        return setting.Kind == SettingKind.List
            ? ([.. raw.Split(setting.EnvSeparator.Character(), StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)], name)
            : ([raw], name);
    }

    // "-1" is a (bad) value, not an option, so "--threads -1" reports the range instead of a missing value.
    private static bool LooksLikeOption(string arg) =>
        arg.Length > 1 && arg[0] == '-' && !char.IsAsciiDigit(arg[1]);

    /// <summary>Quotes a value for an error message, escaping control characters so the message stays one line.</summary>
    internal static string Quote(string value)
    {
        var escaped = string.Concat(value.Select(c => char.IsControl(c) ? $"\\x{(int)c:x2}" : c.ToString()));
        return $"'{escaped}'";
    }
}
