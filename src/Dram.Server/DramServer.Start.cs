namespace Dram.Server;

public sealed partial class DramServer
{
    public static partial Task<DramServer> StartAsync(DramServerOptions options, CancellationToken cancellationToken) =>
        throw new NotImplementedException();

    public partial Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public partial Task WaitForShutdownAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
