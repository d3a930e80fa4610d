using Dram.Python;

namespace Dram.Server.Asgi;

/// <summary>
/// A loaded ASGI 3 application, the event loop it runs on, and the process-lifetime Python
/// objects its connections share. Created on py-main with the GIL held; references that live as
/// long as the process are never released (research/embedding.md §7.5).
/// </summary>
internal sealed class AsgiApp
{
    // asgi_support.py: running the app's coroutine, lifespan, ClientDisconnected; tasks report their end to C#.
    private static readonly EmbeddedModule s_support = new(
        typeof(AsgiApp).Assembly, "asgi_support.py", "_dram_asgi", ("_finish", AsgiCallbacks.Finish));

    private AsgiApp(PyRef callable, string name, PythonEventLoop loop, DramServerOptions options)
    {
        Callable = callable;
        Name = name;
        Loop = loop;
        Options = options;
        var support = s_support.Get();
        Runner = Py.GetAttr(support, "run");
        ClientDisconnectedType = Py.GetAttr(support, "ClientDisconnected");
        LifespanType = Py.GetAttr(support, "Lifespan");
        Report = Py.GetAttr(support, "report");
        State = Py.NewDict();
        _ = AsgiNames.Type; // interns every name now, with the GIL held
        Scope = new AsgiScope();
    }

    public PyRef Callable { get; }

    public string Name { get; }

    public PythonEventLoop Loop { get; }

    public DramServerOptions Options { get; }

    /// <summary><c>run(app, scope, receive, send, handle)</c>: the coroutine that runs one connection.</summary>
    public PyRef Runner { get; }

    /// <summary>The OSError subclass send() raises once the client has gone.</summary>
    public PyRef ClientDisconnectedType { get; }

    public PyRef LifespanType { get; }

    public PyRef Report { get; }

    /// <summary>The lifespan state: filled by the app at startup, copied into every request scope.</summary>
    public PyRef State { get; }

    public AsgiScope Scope { get; }

    /// <summary>Set when --metrics is on: connections report how long they waited for the loop.</summary>
    public Dram.Server.Metrics.WorkerMetrics? Metrics { get; set; }

    /// <summary>ASGI 3 or WSGI? (GIL held.) A coroutine function, or an object whose <c>__call__</c> is one.</summary>
    public static bool IsAsgi(PyBorrowed callable)
    {
        using var isAsgi = Py.GetAttr(s_support.Get(), "is_asgi");
        using var result = Py.Call(isAsgi.Borrow(), callable);
        return Py.IsTrue(result.Borrow());
    }

    /// <summary>Wraps a loaded callable (py-main, GIL held).</summary>
    public static AsgiApp Create(PyRef callable, string name, PythonEventLoop loop, DramServerOptions options) =>
        new(callable, name, loop, options);
}
