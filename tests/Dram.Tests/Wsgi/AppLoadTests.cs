using System.Net;
using System.Net.Sockets;
using Dram.Server;
using Dram.Tests.Support;

namespace Dram.Tests.Wsgi;

/// <summary>Loading the app: the forms of --app that work, and clear start-up errors for the ones that do not.</summary>
[Collection(UsesPython.Name)]
public sealed class AppLoadTests(PythonFixture python)
{
    private async Task<string> ServeOnceAsync(DramServerOptions options)
    {
        await using var server = await DramServer.StartAsync(options);
        return await python.Http.GetStringAsync(new Uri(server.Urls[0].TrimEnd('/') + "/"));
    }

    [Fact]
    public async Task StartAsync_UnknownModule_ExitCode3NamingIt()
    {
        var error = await StartupFailure.ExpectAsync(python.CreateOptions("dram_test_no_such_module:app"));
        Assert.Equal(ExitCodes.AppLoad, error.ExitCode);
        Assert.Contains("dram_test_no_such_module", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_UnknownAttribute_ExitCode3NamingIt()
    {
        var error = await StartupFailure.ExpectAsync(python.CreateOptions("wsgi_echo:dram_no_such_attribute"));
        Assert.Equal(ExitCodes.AppLoad, error.ExitCode);
        Assert.Contains("dram_no_such_attribute", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_UnknownDottedAttribute_ExitCode3()
    {
        var error = await StartupFailure.ExpectAsync(python.CreateOptions("wsgi_dotted:obj.missing.app"));
        Assert.Equal(ExitCodes.AppLoad, error.ExitCode);
        Assert.Contains("missing", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_NotCallable_ExitCode3SayingSo()
    {
        var error = await StartupFailure.ExpectAsync(python.CreateOptions("wsgi_not_callable:app"));
        Assert.Equal(ExitCodes.AppLoad, error.ExitCode);
        Assert.Contains("callable", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task StartAsync_ImportRaises_ExitCode3WithTraceback()
    {
        var error = await StartupFailure.ExpectAsync(python.CreateOptions("wsgi_import_raises:app"));
        Assert.Equal(ExitCodes.AppLoad, error.ExitCode);
        Assert.False(string.IsNullOrWhiteSpace(error.Message));
        Assert.NotNull(error.Detail);
        Assert.Contains("Traceback", error.Detail, StringComparison.Ordinal);
        Assert.Contains("dram-test import failure marker", error.Detail, StringComparison.Ordinal);
        Assert.Contains("wsgi_import_raises.py", error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_PortInUse_ExitCode1()
    {
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var port = ((IPEndPoint)holder.LocalEndpoint).Port;
        var options = python.CreateOptions("wsgi_echo:app");
        options.Binds.Clear();
        options.Binds.Add($"127.0.0.1:{port}");

        var error = await StartupFailure.ExpectAsync(options);
        Assert.Equal(ExitCodes.RuntimeFailure, error.ExitCode);
    }

    [Fact]
    public async Task StartAsync_Factory_ServesWhatFactoryReturns()
    {
        var options = python.CreateOptions("wsgi_factory:create_app");
        options.Factory = true;
        Assert.StartsWith("from factory call ", await ServeOnceAsync(options), StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_DottedAttribute_Resolved()
    {
        Assert.Equal("from obj.inner.app", await ServeOnceAsync(python.CreateOptions("wsgi_dotted:obj.inner.app")));
    }

    [Fact]
    public async Task StartAsync_ModuleOnly_UsesApplication()
    {
        Assert.Equal("from application", await ServeOnceAsync(python.CreateOptions("wsgi_default")));
    }

    [Fact]
    public async Task StartAsync_TwoServersAtOnce_BothServe()
    {
        await using var first = await DramServer.StartAsync(python.CreateOptions("wsgi_dotted:obj.inner.app"));
        await using var second = await DramServer.StartAsync(python.CreateOptions("wsgi_default:application"));
        Assert.NotEqual(first.Urls[0], second.Urls[0]);
        Assert.Equal("from obj.inner.app", await python.Http.GetStringAsync(new Uri(first.Urls[0].TrimEnd('/') + "/")));
        Assert.Equal("from application", await python.Http.GetStringAsync(new Uri(second.Urls[0].TrimEnd('/') + "/")));
    }
}
