using Dram.Python.Native;

namespace Dram.Python;

/// <summary>
/// An owned (new) reference to a Python object: exactly one <see cref="Dispose"/> (or one
/// <see cref="Steal"/>) releases it. A struct so the hot path allocates nothing; copying one is a
/// move by convention — use <see cref="Move"/> to make the transfer explicit.
/// Disposing requires the GIL.
/// </summary>
public struct PyRef : IDisposable
{
    internal nint Handle;

    internal PyRef(nint handle) => Handle = handle;

    public readonly bool IsNull => Handle == 0;

    public readonly PyBorrowed Borrow() => new(Handle);

    /// <summary>Transfers ownership to the returned value; this one becomes null.</summary>
    public PyRef Move()
    {
        var moved = new PyRef(Handle);
        Handle = 0;
        return moved;
    }

    /// <summary>Hands the reference to a C API function that steals it.</summary>
    internal nint Steal()
    {
        var handle = Handle;
        Handle = 0;
        return handle;
    }

    public void Dispose()
    {
        if (Handle != 0)
        {
            CApi.Py_DecRef(Handle);
            Handle = 0;
        }
    }

    /// <summary>Wraps a new reference returned by the C API, turning NULL into a <see cref="PythonException"/>.</summary>
    internal static PyRef Checked(nint handle) => handle != 0 ? new PyRef(handle) : throw PythonException.Fetch();
}
