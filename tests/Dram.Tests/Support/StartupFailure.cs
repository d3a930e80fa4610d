using System.Diagnostics;
using Dram.Server;

namespace Dram.Tests.Support;

/// <summary>Starting an in-process server that must refuse to start.</summary>
internal static class StartupFailure
{
    /// <summary>The exception <see cref="DramServer.StartAsync"/> throws; fails the test (stopping the server) when it starts instead.</summary>
    public static async Task<DramStartupException> ExpectAsync(DramServerOptions options)
    {
        DramServer? server = null;
        try
        {
            server = await DramServer.StartAsync(options);
        }
        catch (DramStartupException e)
        {
            return e;
        }
        finally
        {
            if (server is not null)
            {
                await server.StopAsync();
            }
        }

        Assert.Fail($"the server started with App={options.App}, Lifespan={options.Lifespan}");
        throw new UnreachableException();
    }
}
