namespace Dram.Python.Native;

/// <summary>
/// C API functions whose presence depends on the CPython version, resolved once after loading.
/// </summary>
internal static unsafe class CApiOptional
{
    // Exported from 3.10 (3.9 has only the inline function); 3.9 falls back to PyObject_VectorcallDict.
    private static delegate* unmanaged<nint, nint*, nuint, nint, nint> s_vectorcall;

    internal static void Resolve()
    {
        s_vectorcall = (delegate* unmanaged<nint, nint*, nuint, nint, nint>)LibPython.TryGetExport("PyObject_Vectorcall");
    }

    /// <summary>PY_VECTORCALL_ARGUMENTS_OFFSET: the callee may use args[-1] as scratch space.</summary>
    internal const ulong ArgumentsOffset = 1UL << 63;

    /// <summary>Calls <paramref name="callable"/> with positional arguments; args[-1] must be writable.</summary>
    internal static nint Vectorcall(nint callable, nint* args, nuint nargs) =>
        s_vectorcall != null
            ? s_vectorcall(callable, args, unchecked(nargs | (nuint)ArgumentsOffset), 0)
            : CApi.PyObject_VectorcallDict(callable, args, unchecked(nargs | (nuint)ArgumentsOffset), 0);
}
