using Dram.Cli.Settings;
using Dram.Server;

namespace Dram.Cli;

/// <summary>
/// Turns arguments and environment variables into <see cref="DramServerOptions"/> using the
/// settings catalogue. A pure function of its inputs (except that --chdir must exist), so
/// tests pass their own environment instead of the process's.
/// </summary>
internal static class CommandLineParser
{
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

        var fromCli = new Dictionary<Setting, List<string>>();
        var error = ReadArguments(args, catalogue, fromCli);
        if (error is not null)
        {
            return ParseResult.Fail(error);
        }

        var result = new DramServerOptions();
        foreach (var setting in catalogue)
        {
            // Command line beats environment beats default: only the first source that has the setting is read.
            // A default is "nothing applied", so the server keeps DramServerOptions' own defaults.
            var (values, source) = fromCli.TryGetValue(setting, out var given)
                ? (given, setting.LongFlag ?? setting.Metavar)
                : FromEnvironment(setting, environment);
            foreach (var raw in values)
            {
                try
                {
                    setting.Apply(result, raw);
                }
                catch (SettingValueException e)
                {
                    return ParseResult.Fail($"invalid {source} {Quote(raw)}: {e.Message}");
                }
            }
        }

        return ParseResult.Run(result);
    }

    private static string? ReadArguments(IReadOnlyList<string> args, IReadOnlyList<Setting> catalogue, Dictionary<Setting, List<string>> values)
    {
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
                    return $"unexpected argument {Quote(arg)}";
                }

                values[positional] = [arg];
                continue;
            }

            if (arg == "--")
            {
                onlyPositional = true;
                continue;
            }

            if (arg.StartsWith("--", StringComparison.Ordinal))
            {
                var equals = arg.IndexOf('=', StringComparison.Ordinal);
                shown = equals < 0 ? arg : arg[..equals];
                inline = equals < 0 ? null : arg[(equals + 1)..];
                setting = catalogue.FirstOrDefault(s => s.LongFlag == shown);
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
                return $"unrecognized option {Quote(shown)}";
            }

            string value;
            if (setting.Kind == SettingKind.Flag)
            {
                if (inline is not null)
                {
                    return $"option {shown} does not take a value";
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
                return $"option {shown} requires a value ({setting.Metavar})";
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

        return null;
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
