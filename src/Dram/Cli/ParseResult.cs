using Dram.Cli.Settings;
using Dram.Server;

namespace Dram.Cli;

internal enum ParseAction
{
    Run,
    Help,
    Version,

    /// <summary>--print-config: print <see cref="ParseResult.Configuration"/> as a config file and exit.</summary>
    PrintConfig,

    /// <summary>--check-config: everything validated; say so and exit.</summary>
    CheckConfig,
    Error,
}

/// <summary>
/// What the command line asked for: run with <see cref="Options"/>, print help, version or the
/// configuration, or usage errors (every one found, one line each).
/// </summary>
internal sealed record ParseResult(
    ParseAction Action,
    DramServerOptions? Options = null,
    IReadOnlyList<string>? Errors = null,
    IReadOnlyList<EffectiveSetting>? Configuration = null)
{
    /// <summary>The errors, one per line (null unless <see cref="ParseAction.Error"/>).</summary>
    public string? Error => Errors is null ? null : string.Join('\n', Errors);

    public static ParseResult Run(DramServerOptions options) => new(ParseAction.Run, options);

    public static ParseResult Fail(string error) => new(ParseAction.Error, Errors: [error]);

    public static ParseResult Fail(IReadOnlyList<string> errors) => new(ParseAction.Error, Errors: errors);
}
