using Dram.Server;

namespace Dram.Tests.Support;

/// <summary>
/// A server with settings no other test shares (the fixture's shared servers are keyed by a few
/// settings only), started for one test and stopped after it.
/// </summary>
internal sealed class OwnServer : IAsyncDisposable
{
    private OwnServer(DramServer server) => Server = server;

    public DramServer Server { get; }

    /// <summary>Base URL, no trailing slash.</summary>
    public string Url => Server.Urls[0].TrimEnd('/');

    public static async Task<OwnServer> StartAsync(PythonFixture python, string? app, Action<DramServerOptions> configure)
    {
        var options = python.CreateOptions(app);
        configure(options);
        return new OwnServer(await DramServer.StartAsync(options));
    }

    public async ValueTask DisposeAsync() => await Server.StopAsync();
}
