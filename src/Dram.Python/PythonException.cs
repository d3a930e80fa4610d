using Dram.Python.Native;

namespace Dram.Python;

/// <summary>
/// A Python exception translated once, at the interop boundary: its type name, message and the
/// formatted traceback (what Python itself would print), plus the exception object so it can be
/// re-raised into Python when it must travel back (PEP 3333 exc_info).
/// </summary>
public sealed class PythonException : Exception
{
    public PythonException(string typeName, string message, string traceback)
        : base(message.Length == 0 ? typeName : $"{typeName}: {message}")
    {
        TypeName = typeName;
        PythonMessage = message;
        Traceback = traceback;
    }

    public PythonException() : this("Exception", "", "") { }

    public PythonException(string message) : this("Exception", message, "") { }

    public PythonException(string message, Exception inner) : base(message, inner)
    {
        TypeName = "Exception";
        PythonMessage = message;
        Traceback = "";
    }

    /// <summary>The exception's qualified type name, e.g. <c>ModuleNotFoundError</c>.</summary>
    public string TypeName { get; }

    public string PythonMessage { get; }

    /// <summary>The full traceback text, ending with the "Type: message" line.</summary>
    public string Traceback { get; }

    /// <summary>True when the exception is (a subclass of) <c>SystemExit</c> or <c>KeyboardInterrupt</c>.</summary>
    public bool IsExit { get; private init; }

    /// <summary>Takes the pending Python error (the GIL must be held) and clears it.</summary>
    internal static unsafe PythonException Fetch()
    {
        nint type, value, traceback;
        CApi.PyErr_Fetch(&type, &value, &traceback);
        if (type == 0)
        {
            return new PythonException("SystemError", "a C API call failed without setting an exception", "");
        }

        CApi.PyErr_NormalizeException(&type, &value, &traceback);
        try
        {
            var isExit = CApi.PyErr_GivenExceptionMatches(type, PyExceptions.SystemExit) != 0
                || CApi.PyErr_GivenExceptionMatches(type, PyExceptions.KeyboardInterrupt) != 0;
            var typeName = Py.GetAttrString(new PyBorrowed(type), "__name__");
            var message = Py.StrOrRepr(new PyBorrowed(value));
            var text = Bootstrap.FormatException(type, value, traceback) ?? $"{typeName}: {message}\n";
            return new PythonException(typeName, message, text) { IsExit = isExit };
        }
        finally
        {
            CApi.Py_DecRef(type);
            CApi.Py_DecRef(value);
            CApi.Py_DecRef(traceback);
        }
    }
}
