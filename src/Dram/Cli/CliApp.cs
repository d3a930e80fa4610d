using Dram.Cli.Settings;
using Dram.Cli.Supervision;
using Dram.Server;

namespace Dram.Cli;

/// <summary>
/// The whole command: parse, then print help/version/usage errors or run the server until a
/// signal. Every failure becomes a "dram: error:" line and an exit code; no stack trace escapes.
/// </summary>
internal static class CliApp
{
    /// <summary>
    /// Starts the server; a parameter so tests can exercise the error paths without Python. Given
    /// one, the command serves in this process; without, it runs the supervisor and its workers.
    /// </summary>
    public delegate Task<DramServer> ServerStarter(DramServerOptions options, CancellationToken cancellationToken);

    public static async Task<int> RunAsync(
        IReadOnlyList<string> args,
        IReadOnlyDictionary<string, string> environment,
        TextWriter stdout,
        TextWriter stderr,
        ServerStarter? start = null)
    {
        try
        {
            // A worker started by the supervisor: the hidden first argument, then the user's own.
            var worker = WorkerSpec.TryParse(args, out var spec, out var userArgs);
            var parsed = CommandLineParser.Parse(userArgs, environment);
            switch (parsed.Action)
            {
                case ParseAction.Help:
                    await stdout.WriteAsync(HelpText.Render()).ConfigureAwait(false);
                    return ExitCodes.Ok;
                case ParseAction.Version:
                    await stdout.WriteLineAsync(VersionInfo.Text).ConfigureAwait(false);
                    return ExitCodes.Ok;
                case ParseAction.PrintConfig:
                    await stdout.WriteAsync(ConfigFile.Render(parsed.Configuration!)).ConfigureAwait(false);
                    return ExitCodes.Ok;
                case ParseAction.CheckConfig:
                    await stdout.WriteLineAsync("configuration OK").ConfigureAwait(false);
                    return ExitCodes.Ok;
                case ParseAction.Error:
                    // Every problem found, one line each.
                    foreach (var error in parsed.Errors!)
                    {
                        await stderr.WriteLineAsync($"dram: error: {error}").ConfigureAwait(false);
                    }

                    await stderr.WriteLineAsync("Try 'dram --help'.").ConfigureAwait(false);
                    return ExitCodes.Usage;
                case ParseAction.Run when worker && !OperatingSystem.IsWindows():
                    return await WorkerMain.RunAsync(spec!, parsed.Options!, start ?? DramServer.StartAsync, stdout).ConfigureAwait(false);
                case ParseAction.Run when start is null && !OperatingSystem.IsWindows():
                    // The supervisor: binds, runs the workers, never loads Python.
                    return await Supervisor.RunAsync(parsed.Options!, args, stderr).ConfigureAwait(false);
                default:
                    return await ServeAsync(parsed.Options!, start ?? DramServer.StartAsync).ConfigureAwait(false);
            }
        }
        catch (DramStartupException e)
        {
            await stderr.WriteLineAsync($"dram: error: {e.Message}").ConfigureAwait(false);
            if (e.Detail is not null)
            {
                await stderr.WriteLineAsync(e.Detail.TrimEnd('\r', '\n')).ConfigureAwait(false);
            }

            return e.ExitCode;
        }
#pragma warning disable CA1031 // The last line of defence: anything else is a bug, reported in one line rather than a stack trace.
        catch (Exception e)
#pragma warning restore CA1031
        {
            await stderr.WriteLineAsync($"dram: error: internal error: {e.GetType().FullName}: {e.Message}").ConfigureAwait(false);
            return ExitCodes.RuntimeFailure;
        }
    }

    private static async Task<int> ServeAsync(DramServerOptions options, ServerStarter start)
    {
        using var signal = new ShutdownSignal();
        DramServer server;
        try
        {
            server = await start(options, signal.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (signal.Token.IsCancellationRequested)
        {
            // Ctrl+C during start-up is a request to stop, not a failure.
            return ExitCodes.Ok;
        }

        await using (server.ConfigureAwait(false))
        {
            var shutdown = server.WaitForShutdownAsync();
            var first = await Task.WhenAny(signal.Requested, shutdown).ConfigureAwait(false);
            if (first == shutdown)
            {
                // Stopped on its own: surface a failure (caught above) or exit cleanly.
                await shutdown.ConfigureAwait(false);
                return ExitCodes.Ok;
            }

            await server.StopAsync().ConfigureAwait(false);
            return ExitCodes.Ok;
        }
    }
}
