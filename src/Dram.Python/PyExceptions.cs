using Dram.Python.Native;

namespace Dram.Python;

/// <summary>The built-in exception types Dram raises or tests for, read once from libpython's data symbols.</summary>
internal static unsafe class PyExceptions
{
    internal static nint RuntimeError;
    internal static nint TypeError;
    internal static nint ValueError;
    internal static nint OSError;
    internal static nint AssertionError;
    internal static nint SystemExit;
    internal static nint KeyboardInterrupt;

    internal static void Resolve()
    {
        // Each PyExc_* symbol is a variable holding a PyObject*: dereference its address.
        static nint Read(string name) => *(nint*)LibPython.GetExport(name);
        RuntimeError = Read("PyExc_RuntimeError");
        TypeError = Read("PyExc_TypeError");
        ValueError = Read("PyExc_ValueError");
        OSError = Read("PyExc_OSError");
        AssertionError = Read("PyExc_AssertionError");
        SystemExit = Read("PyExc_SystemExit");
        KeyboardInterrupt = Read("PyExc_KeyboardInterrupt");
    }

    internal static nint For(PyErrorKind kind) => kind switch
    {
        PyErrorKind.TypeError => TypeError,
        PyErrorKind.ValueError => ValueError,
        PyErrorKind.OSError => OSError,
        PyErrorKind.AssertionError => AssertionError,
        _ => RuntimeError,
    };
}

/// <summary>The exception types a native callback can raise into Python.</summary>
public enum PyErrorKind
{
    RuntimeError,
    TypeError,
    ValueError,
    OSError,
    AssertionError,
}

/// <summary>
/// Thrown by a native callback to raise a Python exception of a chosen type in the calling code.
/// The trampoline in <see cref="NativeFunctions"/> turns it into <c>PyErr_SetString</c>.
/// </summary>
public sealed class PyRaiseException : Exception
{
    public PyRaiseException(PyErrorKind kind, string message) : base(message) => Kind = kind;

    public PyRaiseException() : this(PyErrorKind.RuntimeError, "") { }

    public PyRaiseException(string message) : this(PyErrorKind.RuntimeError, message) { }

    public PyRaiseException(string message, Exception inner) : base(message, inner) { }

    public PyErrorKind Kind { get; }
}

/// <summary>
/// Thrown by a native callback after it has itself set the Python error indicator (for example to
/// re-raise an app's exc_info with its traceback, PEP 3333 start_response).
/// </summary>
public sealed class PyErrorAlreadySetException : Exception
{
    public PyErrorAlreadySetException() { }

    public PyErrorAlreadySetException(string message) : base(message) { }

    public PyErrorAlreadySetException(string message, Exception inner) : base(message, inner) { }
}
