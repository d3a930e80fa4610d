using Dram.Python;

namespace Dram.Server.Wsgi;

/// <summary>
/// A loaded WSGI application and the process-lifetime Python objects its requests share:
/// the support module, the environ template, interned keys. Created on py-main, with the GIL.
/// Process-lifetime references are never released (research/embedding.md §7.5).
/// </summary>
internal sealed class WsgiApp
{
    // wsgi_support.py: the welcome app, loading, and the input/file-wrapper types, whose reads call back into C#.
    private static readonly EmbeddedModule s_support = new(
        typeof(WsgiApp).Assembly, "wsgi_support.py", "_dram_wsgi", ("_read", WsgiCallbacks.Read), ("_readline", WsgiCallbacks.ReadLine));

    private WsgiApp(PyRef callable, string name, int threads, bool multiprocess)
    {
        Callable = callable;
        Name = name;
        var support = s_support.Get();
        InputType = Py.GetAttr(support, "Input");
        FileWrapperType = Py.GetAttr(support, "FileWrapper");
        TimeoutType = Py.GetAttr(support, "RequestTimeout");
        Environ = new EnvironBuilder(FileWrapperType.Borrow(), multithread: threads > 1, multiprocess, $"dram/{DramServer.Version}");
    }

    public PyRef Callable { get; }

    /// <summary>How the app was named on the command line, for logs.</summary>
    public string Name { get; }

    public PyRef InputType { get; }

    public PyRef FileWrapperType { get; }

    /// <summary>The exception --timeout raises in a request's thread.</summary>
    public PyRef TimeoutType { get; }

    public EnvironBuilder Environ { get; }

    /// <summary>
    /// Imports the app (GIL held, on py-main) and returns the callable. <paramref name="spec"/>
    /// null means the built-in welcome app. Failures throw <see cref="DramStartupException"/> with exit code 3.
    /// </summary>
    public static PyRef LoadCallable(string? spec, bool factory, IReadOnlyList<string> sysPath)
    {
        var support = s_support.Get();
        try
        {
            if (spec is null)
            {
                return Py.GetAttr(support, "welcome");
            }

            using var load = Py.GetAttr(support, "load");
            using var specStr = PyStr.FromString(spec);
            using var paths = Py.NewList();
            foreach (var path in sysPath)
            {
                using var item = PyStr.FromString(path);
                Py.ListAppend(paths.Borrow(), item.Borrow());
            }

            return Py.Call(load.Borrow(), specStr.Borrow(), Py.Bool(factory).Borrow(), paths.Borrow());
        }
        catch (PythonException e) when (e.TypeName == "AppLoadError")
        {
            throw new DramStartupException(ExitCodes.AppLoad, $"cannot load app {spec}: {e.PythonMessage}");
        }
        catch (PythonException e)
        {
            throw new DramStartupException(
                ExitCodes.AppLoad, $"cannot load app {spec}: {e.TypeName}: {e.PythonMessage}", e.Traceback.TrimEnd());
        }
    }

    /// <summary>Wraps a loaded callable as a WSGI app (GIL held).</summary>
    public static WsgiApp Create(PyRef callable, string? spec, int threads, bool multiprocess = false) =>
        new(callable, spec ?? "built-in welcome app", threads, multiprocess);

    /// <summary>Imports and wraps in one step (GIL held, on py-main).</summary>
    public static WsgiApp Load(string? spec, bool factory, IReadOnlyList<string> sysPath, int threads, bool multiprocess = false) =>
        Create(LoadCallable(spec, factory, sysPath), spec, threads, multiprocess);
}
