using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Dram.Python.Native;

namespace Dram.Python;

/// <summary>
/// The one embedded interpreter of this process. It is started on a dedicated thread, "py-main",
/// which keeps the interpreter's main thread state for life: code that Python only allows on the
/// main thread (<c>signal.signal</c>, importing apps that call it) runs there through
/// <see cref="RunOnMainThread{T}"/>. Every other Python thread is a <see cref="PythonThreadPool"/> thread.
/// </summary>
public sealed class PythonRuntime
{
    /// <summary>Stack for Python threads: deep recursion in templates and serialisers needs more than .NET's default.</summary>
    public const int ThreadStackSize = 16 * 1024 * 1024;

    private static readonly Lock s_initLock = new();
    private static PythonRuntime? s_current;

    private readonly BlockingCollection<Action> _mainThreadJobs = [];

    // Set while an event loop runs on py-main (PythonEventLoop): jobs then run inside the loop,
    // which this wakes.
    private volatile Action? _wakeLoop;

    private PythonRuntime(PythonInstallation installation) => Installation = installation;

    public PythonInstallation Installation { get; }

    /// <summary>The running interpreter, or null before <see cref="Initialize"/>.</summary>
    public static PythonRuntime? Current => s_current;

    /// <summary>
    /// Loads and starts the interpreter once per process. A second call with the same interpreter
    /// returns the running one; with another it fails (CPython cannot be embedded twice).
    /// </summary>
    /// <param name="installation">The interpreter to embed.</param>
    /// <param name="output">Receives complete lines the app writes to sys.stdout/sys.stderr: (stream, text).</param>
    public static PythonRuntime Initialize(PythonInstallation installation, Action<string, string> output)
    {
        lock (s_initLock)
        {
            if (s_current is not null)
            {
                return s_current.Installation.Executable == installation.Executable
                    ? s_current
                    : throw new PythonLoadException(
                        $"this process already embeds {s_current.Installation.Executable}; cannot also embed {installation.Executable}");
            }

            var runtime = new PythonRuntime(installation);
            var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var thread = new Thread(() => runtime.MainThread(output, started), ThreadStackSize)
            {
                Name = "py-main",
                IsBackground = true,
            };
            thread.Start();
            started.Task.GetAwaiter().GetResult();
            s_current = runtime;
            return runtime;
        }
    }

    /// <summary>Runs <paramref name="work"/> on py-main with the GIL held and returns its result (blocking).</summary>
    public T RunOnMainThread<T>(Func<T> work)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        PostToMainThread(() =>
        {
            try
            {
                done.SetResult(work());
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        });
        return done.Task.GetAwaiter().GetResult();
    }

    /// <summary>Queues <paramref name="work"/> to run on py-main with the GIL held, without waiting for it.</summary>
    public void PostToMainThread(Action work)
    {
        _mainThreadJobs.Add(work);
        _wakeLoop?.Invoke();
    }

    /// <summary>An event loop started or stopped running on py-main; <paramref name="wake"/> makes it run <see cref="RunPendingMainThreadJobs"/>.</summary>
    internal void AttachLoop(Action? wake)
    {
        _wakeLoop = wake;
        wake?.Invoke();
    }

    /// <summary>On py-main with the GIL, from inside the running event loop: runs the jobs queued so far.</summary>
    internal void RunPendingMainThreadJobs()
    {
        while (_mainThreadJobs.TryTake(out var job))
        {
            job();
        }
    }

    private unsafe void MainThread(Action<string, string> output, TaskCompletionSource started)
    {
        try
        {
            Start(output);
        }
        catch (Exception e)
        {
            started.SetException(e is PythonLoadException ? e : new PythonLoadException($"cannot start Python: {e.Message}", e));
            return;
        }

        // Release the GIL the initialisation left held, or every other thread waits forever
        // (pythonnet #109; design/NOTES.md).
        var mainState = CApi.PyEval_SaveThread();
        started.SetResult();

        foreach (var job in _mainThreadJobs.GetConsumingEnumerable())
        {
            CApi.PyEval_RestoreThread(mainState);
            try
            {
                job();
            }
            finally
            {
                mainState = CApi.PyEval_SaveThread();
            }
        }
    }

    private unsafe void Start(Action<string, string> output)
    {
        Installation.RequireSupportedVersion();
        LibPython.Load(Installation.RequireLibrary());
        CApiOptional.Resolve();
        Py.Resolve();
        PyExceptions.Resolve();

        // The program name decides sys.prefix and site-packages (a venv's pyvenv.cfg is found from
        // it), so it is the interpreter's real executable as it reported itself. Py_SetProgramName
        // keeps its argument, so the decoded string is never freed.
        fixed (byte* name = Py.ToCStringHeap(Installation.Executable))
        {
            var wide = CApi.Py_DecodeLocale(name, null);
            if (wide != 0)
            {
                CApi.Py_SetProgramName(wide);
            }
        }

        // initsigs=0: Python must not take over SIGINT/SIGTERM from the .NET host.
        CApi.Py_InitializeEx(0);
        if (CApi.Py_IsInitialized() == 0)
        {
            throw new PythonLoadException("Py_InitializeEx failed");
        }

        Py.SelfTest();
        Bootstrap.InstallRuntime("dram", output);
    }

    /// <summary>The version string libpython reports (for logs).</summary>
    public static string LoadedVersion => Marshal.PtrToStringUTF8(CApi.Py_GetVersion()) ?? "?";
}
