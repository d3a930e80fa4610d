using Dram.Python.Native;

namespace Dram.Python;

/// <summary>Python <c>bytes</c> to and from .NET memory. The GIL must be held.</summary>
public static unsafe class PyBytes
{
    public static PyRef From(ReadOnlySpan<byte> data)
    {
        fixed (byte* p = data)
        {
            return PyRef.Checked(CApi.PyBytes_FromStringAndSize(p, data.Length));
        }
    }

    /// <summary>
    /// The contents of a bytes object, without copying. The span is valid only while the object is
    /// alive and the GIL is held. False when <paramref name="o"/> is not bytes.
    /// </summary>
    public static bool TryGetSpan(PyBorrowed o, out ReadOnlySpan<byte> data)
    {
        if (!Py.IsBytes(o))
        {
            data = default;
            return false;
        }

        byte* buffer;
        nint length;
        if (CApi.PyBytes_AsStringAndSize(o.Handle, &buffer, &length) != 0)
        {
            CApi.PyErr_Clear();
            data = default;
            return false;
        }

        data = new ReadOnlySpan<byte>(buffer, (int)length);
        return true;
    }

    /// <summary>
    /// Creates a bytes object of <paramref name="length"/> uninitialised bytes for the caller to
    /// fill before anyone else sees the object (CPython allows this only for a fresh object), so
    /// data from .NET lands in Python with one copy. The span is valid while the reference is held;
    /// CPython objects never move, so it stays valid even while the GIL is released.
    /// </summary>
    public static PyRef Allocate(int length, out Span<byte> contents)
    {
        var bytes = PyRef.Checked(CApi.PyBytes_FromStringAndSize(null, length));
        byte* buffer;
        nint size;
        _ = CApi.PyBytes_AsStringAndSize(bytes.Handle, &buffer, &size); // cannot fail: a fresh bytes object
        contents = new Span<byte>(buffer, length);
        return bytes;
    }
}
