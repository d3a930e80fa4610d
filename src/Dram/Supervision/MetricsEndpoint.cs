using Dram.Server;
using Dram.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Dram.Cli.Supervision;

/// <summary>
/// The supervisor's own small HTTP server for <c>--metrics HOST:PORT</c>: <c>GET /metrics</c>
/// (and HEAD) answers the Prometheus text, any other path 404, another method 405. It runs in the
/// supervisor, never in a worker, so it is not on the app's binds, keeps answering while workers
/// restart, and its socket (close-on-exec, as .NET opens every socket) is not inherited by them.
/// </summary>
internal sealed class MetricsEndpoint : IAsyncDisposable
{
    private readonly WebApplication _web;

    private MetricsEndpoint(WebApplication web, string url)
    {
        _web = web;
        Url = url;
    }

    /// <summary>Where it serves, with the port Kestrel chose for port 0.</summary>
    public string Url { get; }

    /// <exception cref="DramStartupException">The address cannot be listened on (exit code 1).</exception>
    public static async Task<MetricsEndpoint> StartAsync(string address, Func<string> render)
    {
        var bind = BindAddress.ParseOrFail(address);
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrelCore().UseSockets().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            foreach (var ip in bind.Resolve())
            {
                kestrel.Listen(ip, bind.Port, listen => listen.Protocols = HttpProtocols.Http1);
            }
        });

        // The supervisor handles signals itself.
        builder.Services.AddSingleton<IHostLifetime, NoHostLifetime>();
        var web = builder.Build();
        web.Run(context => Answer(context, render));
        try
        {
            await web.StartAsync().ConfigureAwait(false);
        }
        catch (IOException e)
        {
            await web.DisposeAsync().ConfigureAwait(false);
            var reason = e.InnerException is AddressInUseException ? "address already in use" : e.Message;
            throw new DramStartupException(ExitCodes.RuntimeFailure, $"cannot serve metrics: {reason} (--metrics {address})");
        }

        var url = web.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new MetricsEndpoint(web, url.TrimEnd('/') + "/metrics");
    }

    public async ValueTask DisposeAsync()
    {
        await _web.StopAsync().ConfigureAwait(false);
        await _web.DisposeAsync().ConfigureAwait(false);
    }

    private static Task Answer(HttpContext context, Func<string> render)
    {
        var request = context.Request;
        var response = context.Response;
        if (request.Path != "/metrics")
        {
            response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }

        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method))
        {
            response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            response.Headers.Allow = "GET, HEAD";
            return Task.CompletedTask;
        }

        var body = System.Text.Encoding.UTF8.GetBytes(render());
        response.ContentType = PrometheusText.ContentType;
        response.ContentLength = body.Length;
        return HttpMethods.IsHead(request.Method) ? Task.CompletedTask : response.Body.WriteAsync(body).AsTask();
    }

    private sealed class NoHostLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
