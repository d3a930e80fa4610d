using System.Reflection;
using System.Text;
using Dram.Python.Native;

namespace Dram.Python;

/// <summary>
/// Installs Dram's helper modules into the interpreter: Python source embedded in the assembly,
/// compiled and executed as a named module so tracebacks point at a readable file name.
/// </summary>
public static unsafe class Bootstrap
{
    private const int FileInput = 257; // Py_file_input

    private static nint s_formatException;

    /// <summary>Compiles the embedded resource <paramref name="resource"/> of <paramref name="assembly"/> as module <paramref name="moduleName"/>.</summary>
    public static PyRef LoadModule(Assembly assembly, string resource, string moduleName)
    {
        using var stream = assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"embedded resource {resource} is missing");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var source = reader.ReadToEnd();
        fixed (byte* code = Py.ToCStringHeap(source))
        fixed (byte* file = Py.ToCStringHeap($"<dram {resource}>"))
        fixed (byte* name = Py.ToCStringHeap(moduleName))
        {
            using var compiled = PyRef.Checked(CApi.Py_CompileString(code, file, FileInput));
            return PyRef.Checked(CApi.PyImport_ExecCodeModule(name, compiled.Borrow().Handle));
        }
    }

    internal static void InstallRuntime(string argv0, Action<string, string> output)
    {
        using var module = LoadModule(typeof(Bootstrap).Assembly, "dram_runtime.py", "_dram_runtime");
        s_output = output;
        var emit = NativeFunction.Register("_emit", ["stream", "text"], 2, Emit);
        using (var bound = emit.Bind(0))
        {
            Py.SetAttr(module.Borrow(), "_emit", bound.Borrow());
        }

        using var format = Py.GetAttr(module.Borrow(), "format_exception");
        s_formatException = format.Borrow().NewRef().Steal();
        using var install = Py.GetAttr(module.Borrow(), "install");
        using var arg = PyStr.FromString(argv0);
        using var _ = Py.Call(install.Borrow(), arg.Borrow());
    }

    private static Action<string, string>? s_output;

    private static PyRef Emit(long state, ReadOnlySpan<PyBorrowed> args)
    {
        s_output?.Invoke(PyStr.ToStringLossy(args[0]), PyStr.ToStringLossy(args[1]));
        return default;
    }

    /// <summary>The traceback text for an exception, as Python's traceback module formats it; null if that fails.</summary>
    internal static string? FormatException(nint type, nint value, nint traceback)
    {
        if (s_formatException == 0)
        {
            return null;
        }

        var args = stackalloc nint[4];
        args[1] = type;
        args[2] = value != 0 ? value : Py.None.Handle;
        args[3] = traceback != 0 ? traceback : Py.None.Handle;
        var text = CApiOptional.Vectorcall(s_formatException, args + 1, 3);
        if (text == 0)
        {
            CApi.PyErr_Clear();
            return null;
        }

        using var owned = new PyRef(text);
        return PyStr.ToStringLossy(owned.Borrow());
    }
}
