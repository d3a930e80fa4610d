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
    /// Creates a bytes object of <paramref name="length"/> bytes and lets <paramref name="fill"/>
    /// write into it before it is shared, saving the copy a span-based constructor would make.
    /// <paramref name="fill"/> returns how many bytes it wrote; the object is shrunk to that.
    /// </summary>
    public static PyRef Create<TState>(int length, TState state, SpanFill<TState> fill)
    {
        var bytes = PyRef.Checked(CApi.PyBytes_FromStringAndSize(null, length));
        byte* buffer;
        nint size;
        _ = CApi.PyBytes_AsStringAndSize(bytes.Handle, &buffer, &size); // cannot fail: it is a fresh bytes object
        var written = fill(new Span<byte>(buffer, length), state);
        if (written == length)
        {
            return bytes;
        }

        // Shrinking in place needs the private _PyBytes_Resize; a short read copies instead.
        using (bytes)
        {
            return From(new ReadOnlySpan<byte>(buffer, written));
        }
    }
}

/// <summary>Fills a buffer and returns the number of bytes written.</summary>
public delegate int SpanFill<in TState>(Span<byte> buffer, TState state);
