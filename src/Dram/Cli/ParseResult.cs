using Dram.Server;

namespace Dram.Cli;

internal enum ParseAction
{
    Run,
    Help,
    Version,
    Error,
}

/// <summary>What the command line asked for: run with <see cref="Options"/>, print help or version, or a usage error.</summary>
internal sealed record ParseResult(ParseAction Action, DramServerOptions? Options = null, string? Error = null)
{
    public static ParseResult Run(DramServerOptions options) => new(ParseAction.Run, options);

    public static ParseResult Fail(string error) => new(ParseAction.Error, Error: error);
}
