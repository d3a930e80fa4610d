namespace Dram.Server;

/// <summary>A running Dram server: Kestrel in front, the app in the embedded interpreter.</summary>
public sealed partial class DramServer : IAsyncDisposable
{
    /// <summary>The addresses actually listened on, as URLs (a bind with port 0 shows the chosen port).</summary>
    public IReadOnlyList<string> Urls { get; private set; } = [];

    /// <summary>
    /// Starts the interpreter (once per process), loads the app and starts listening.
    /// Throws <see cref="DramStartupException"/> carrying the exit code for any start-up failure.
    /// </summary>
    public static partial Task<DramServer> StartAsync(DramServerOptions options, CancellationToken cancellationToken = default);

    /// <summary>Stops accepting, lets in-flight requests finish, and stops.</summary>
    public partial Task StopAsync(CancellationToken cancellationToken = default);

    /// <summary>Completes when the server has stopped.</summary>
    public partial Task WaitForShutdownAsync(CancellationToken cancellationToken = default);

    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);
}
