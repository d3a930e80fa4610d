using System.Runtime.CompilerServices;
using System.Text;
using Dram.Python.Native;

namespace Dram.Python;

/// <summary>
/// Safe operations on Python objects for code outside this project. Every member requires the
/// calling thread to hold the GIL; failures surface as <see cref="PythonException"/>.
/// </summary>
public static unsafe class Py
{
    // Py_TPFLAGS_*_SUBCLASS bits (Include/object.h), stable since 3.0; they make the fast type checks.
    private const uint LongSubclass = 1u << 24;
    private const uint ListSubclass = 1u << 25;
    private const uint TupleSubclass = 1u << 26;
    private const uint BytesSubclass = 1u << 27;
    private const uint UnicodeSubclass = 1u << 28;
    private const uint DictSubclass = 1u << 29;

    // Offset of ob_type in PyObject on 64-bit GIL builds; checked by SelfTest at start-up.
    private const int ObTypeOffset = 8;

    private static nint s_none;
    private static nint s_true;
    private static nint s_false;

    public static PyBorrowed None => new(s_none);

    public static PyBorrowed True => new(s_true);

    public static PyBorrowed False => new(s_false);

    internal static void Resolve()
    {
        s_none = LibPython.GetExport("_Py_NoneStruct");
        s_true = LibPython.GetExport("_Py_TrueStruct");
        s_false = LibPython.GetExport("_Py_FalseStruct");
    }

    /// <summary>Verifies the one struct-layout fact Dram relies on (research/embedding.md §5.1).</summary>
    internal static void SelfTest()
    {
        using var one = PyRef.Checked(CApi.PyLong_FromLongLong(1));
        if (TypeOf(one.Borrow()) != LibPython.GetExport("PyLong_Type"))
        {
            throw new PythonLoadException("unsupported Python build: unexpected object layout (free-threaded builds are not supported)");
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static nint TypeOf(PyBorrowed o) => *(nint*)(o.Handle + ObTypeOffset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool HasFlag(PyBorrowed o, uint flag) => (CApi.PyType_GetFlags(TypeOf(o)) & flag) != 0;

    public static bool IsStr(PyBorrowed o) => HasFlag(o, UnicodeSubclass);

    public static bool IsBytes(PyBorrowed o) => HasFlag(o, BytesSubclass);

    public static bool IsInt(PyBorrowed o) => HasFlag(o, LongSubclass);

    public static bool IsTuple(PyBorrowed o) => HasFlag(o, TupleSubclass);

    public static bool IsList(PyBorrowed o) => HasFlag(o, ListSubclass);

    public static bool IsDict(PyBorrowed o) => HasFlag(o, DictSubclass);

    /// <summary>True when <paramref name="o"/> is an instance of exactly the type <paramref name="type"/>.</summary>
    public static bool IsExactly(PyBorrowed o, PyBorrowed type) => TypeOf(o) == type.Handle;

    public static PyBorrowed TypeOfObject(PyBorrowed o) => new(TypeOf(o));

    public static bool IsCallable(PyBorrowed o) => CApi.PyCallable_Check(o.Handle) != 0;

    public static bool IsTrue(PyBorrowed o)
    {
        var result = CApi.PyObject_IsTrue(o.Handle);
        return result >= 0 ? result != 0 : throw PythonException.Fetch();
    }

    public static PyRef Bool(bool value) => (value ? True : False).NewRef();

    // ---- attributes ----

    public static PyRef GetAttr(PyBorrowed o, string name)
    {
        Span<byte> utf8 = stackalloc byte[Encoding.UTF8.GetMaxByteCount(name.Length) + 1];
        fixed (byte* p = ToCString(name, utf8))
        {
            return PyRef.Checked(CApi.PyObject_GetAttrString(o.Handle, p));
        }
    }

    public static PyRef GetAttr(PyBorrowed o, PyBorrowed name) => PyRef.Checked(CApi.PyObject_GetAttr(o.Handle, name.Handle));

    /// <summary>Gets an attribute, or a null reference (error cleared) when it does not exist or fails.</summary>
    public static PyRef TryGetAttr(PyBorrowed o, PyBorrowed name)
    {
        var result = CApi.PyObject_GetAttr(o.Handle, name.Handle);
        if (result == 0)
        {
            CApi.PyErr_Clear();
        }

        return new PyRef(result);
    }

    public static void SetAttr(PyBorrowed o, string name, PyBorrowed value)
    {
        Span<byte> utf8 = stackalloc byte[Encoding.UTF8.GetMaxByteCount(name.Length) + 1];
        fixed (byte* p = ToCString(name, utf8))
        {
            if (CApi.PyObject_SetAttrString(o.Handle, p, value.Handle) != 0)
            {
                throw PythonException.Fetch();
            }
        }
    }

    /// <summary>Reads a string attribute as .NET text (used for names and messages, not on hot paths).</summary>
    internal static string GetAttrString(PyBorrowed o, string name)
    {
        nint attr;
        fixed (byte* p = ToCStringHeap(name))
        {
            attr = CApi.PyObject_GetAttrString(o.Handle, p);
        }

        if (attr == 0)
        {
            CApi.PyErr_Clear();
            return "?";
        }

        using var owned = new PyRef(attr);
        return StrOrRepr(owned.Borrow());
    }

    // ---- calls and iteration ----

    public static PyRef Call(PyBorrowed callable)
    {
        var args = stackalloc nint[1];
        return PyRef.Checked(CApiOptional.Vectorcall(callable.Handle, args + 1, 0));
    }

    public static PyRef Call(PyBorrowed callable, PyBorrowed arg0)
    {
        var args = stackalloc nint[2];
        args[1] = arg0.Handle;
        return PyRef.Checked(CApiOptional.Vectorcall(callable.Handle, args + 1, 1));
    }

    public static PyRef Call(PyBorrowed callable, PyBorrowed arg0, PyBorrowed arg1)
    {
        var args = stackalloc nint[3];
        args[1] = arg0.Handle;
        args[2] = arg1.Handle;
        return PyRef.Checked(CApiOptional.Vectorcall(callable.Handle, args + 1, 2));
    }

    public static PyRef Call(PyBorrowed callable, PyBorrowed arg0, PyBorrowed arg1, PyBorrowed arg2)
    {
        var args = stackalloc nint[4];
        args[1] = arg0.Handle;
        args[2] = arg1.Handle;
        args[3] = arg2.Handle;
        return PyRef.Checked(CApiOptional.Vectorcall(callable.Handle, args + 1, 3));
    }

    /// <summary>Calls a method by name with no arguments.</summary>
    /// <summary>Calls with any number of positional arguments (vectorcall, no tuple).</summary>
    public static PyRef Call(PyBorrowed callable, ReadOnlySpan<PyBorrowed> arguments)
    {
        var args = stackalloc nint[arguments.Length + 1];
        for (var i = 0; i < arguments.Length; i++)
        {
            args[i + 1] = arguments[i].Handle;
        }

        return PyRef.Checked(CApiOptional.Vectorcall(callable.Handle, args + 1, (nuint)arguments.Length));
    }

    public static PyRef CallMethod(PyBorrowed o, string name)
    {
        using var method = GetAttr(o, name);
        return Call(method.Borrow());
    }

    public static PyRef GetIter(PyBorrowed o) => PyRef.Checked(CApi.PyObject_GetIter(o.Handle));

    /// <summary>Advances an iterator: true with the item, false at the end; raises on error.</summary>
    public static bool Next(PyBorrowed iterator, out PyRef item)
    {
        var next = CApi.PyIter_Next(iterator.Handle);
        if (next != 0)
        {
            item = new PyRef(next);
            return true;
        }

        item = default;
        return CApi.PyErr_Occurred() == 0 ? false : throw PythonException.Fetch();
    }

    public static long SequenceLength(PyBorrowed o)
    {
        var size = CApi.PySequence_Size(o.Handle);
        return size >= 0 ? size : throw PythonException.Fetch();
    }

    public static PyRef SequenceItem(PyBorrowed o, long index) => PyRef.Checked(CApi.PySequence_GetItem(o.Handle, (nint)index));

    // ---- exact list / tuple fast paths ----

    public static long ListLength(PyBorrowed list) => CApi.PyList_Size(list.Handle);

    public static PyBorrowed ListItem(PyBorrowed list, long index) => new(CApi.PyList_GetItem(list.Handle, (nint)index));

    public static PyRef NewList() => PyRef.Checked(CApi.PyList_New(0));

    public static void ListAppend(PyBorrowed list, PyBorrowed item)
    {
        if (CApi.PyList_Append(list.Handle, item.Handle) != 0)
        {
            throw PythonException.Fetch();
        }
    }

    public static PyRef Tuple(PyBorrowed a, PyBorrowed b)
    {
        var tuple = PyRef.Checked(CApi.PyTuple_New(2));
        // PyTuple_SetItem steals a reference and cannot fail on a fresh tuple of the right size.
        CApi.Py_IncRef(a.Handle);
        _ = CApi.PyTuple_SetItem(tuple.Handle, 0, a.Handle);
        CApi.Py_IncRef(b.Handle);
        _ = CApi.PyTuple_SetItem(tuple.Handle, 1, b.Handle);
        return tuple;
    }

    public static PyBorrowed TupleItem(PyBorrowed tuple, long index) => new(CApi.PyTuple_GetItem(tuple.Handle, (nint)index));

    public static long TupleLength(PyBorrowed tuple) => CApi.PyTuple_Size(tuple.Handle);

    // ---- dict ----

    public static PyRef NewDict() => PyRef.Checked(CApi.PyDict_New());

    public static PyRef CopyDict(PyBorrowed dict) => PyRef.Checked(CApi.PyDict_Copy(dict.Handle));

    public static void SetItem(PyBorrowed dict, PyBorrowed key, PyBorrowed value)
    {
        if (CApi.PyDict_SetItem(dict.Handle, key.Handle, value.Handle) != 0)
        {
            throw PythonException.Fetch();
        }
    }

    /// <summary>Sets a dict item and releases <paramref name="value"/> (the dict keeps its own reference).</summary>
    public static void SetItem(PyBorrowed dict, PyBorrowed key, PyRef value)
    {
        var status = CApi.PyDict_SetItem(dict.Handle, key.Handle, value.Handle);
        value.Dispose();
        if (status != 0)
        {
            throw PythonException.Fetch();
        }
    }

    /// <summary>Looks a key up; a null borrowed reference when absent.</summary>
    public static PyBorrowed GetItem(PyBorrowed dict, PyBorrowed key)
    {
        var value = CApi.PyDict_GetItemWithError(dict.Handle, key.Handle);
        return value != 0 || CApi.PyErr_Occurred() == 0 ? new PyBorrowed(value) : throw PythonException.Fetch();
    }

    // ---- int ----

    public static PyRef Int(long value) => PyRef.Checked(CApi.PyLong_FromLongLong(value));

    public static long AsLong(PyBorrowed o)
    {
        var value = CApi.PyLong_AsLongLong(o.Handle);
        return value != -1 || CApi.PyErr_Occurred() == 0 ? value : throw PythonException.Fetch();
    }

    // ---- text ----

    /// <summary><c>str(o)</c> as .NET text, falling back to repr and then to the type name.</summary>
    public static string StrOrRepr(PyBorrowed o)
    {
        if (o.IsNull)
        {
            return "";
        }

        var s = CApi.PyObject_Str(o.Handle);
        if (s == 0)
        {
            CApi.PyErr_Clear();
            s = CApi.PyObject_Repr(o.Handle);
            if (s == 0)
            {
                CApi.PyErr_Clear();
                return "<unprintable>";
            }
        }

        using var owned = new PyRef(s);
        return PyStr.ToStringLossy(owned.Borrow());
    }

    // ---- modules ----

    public static PyRef Import(string module)
    {
        fixed (byte* p = ToCStringHeap(module))
        {
            return PyRef.Checked(CApi.PyImport_ImportModule(p));
        }
    }

    internal static ReadOnlySpan<byte> ToCString(string text, Span<byte> buffer)
    {
        var length = Encoding.UTF8.GetBytes(text, buffer);
        buffer[length] = 0;
        return buffer[..(length + 1)];
    }

    internal static byte[] ToCStringHeap(string text)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(text) + 1];
        Encoding.UTF8.GetBytes(text, bytes);
        return bytes;
    }

    // ---- exceptions ----

    /// <summary>
    /// Sets <paramref name="type"/>(<paramref name="message"/>) as the pending Python error; the native
    /// callback throws the returned exception so Python raises exactly that type.
    /// </summary>
    public static PyErrorAlreadySetException Raise(PyBorrowed type, string message)
    {
        fixed (byte* p = ToCStringHeap(message))
        {
            CApi.PyErr_SetString(type.Handle, p);
        }

        return new PyErrorAlreadySetException(message);
    }

    /// <summary>
    /// Sets the exception described by an <c>exc_info</c> triple (type, value, traceback) as the
    /// pending Python error, so the native callback that throws the returned exception re-raises it
    /// with its original traceback (PEP 3333 start_response).
    /// </summary>
    public static PyErrorAlreadySetException Reraise(PyBorrowed excInfo)
    {
        using var type = SequenceItem(excInfo, 0);
        using var value = SequenceItem(excInfo, 1);
        using var traceback = SequenceItem(excInfo, 2);
        var tb = traceback.Borrow().Is(None) ? 0 : traceback.Borrow().NewRef().Steal();
        CApi.PyErr_Restore(type.Borrow().NewRef().Steal(), value.Borrow().NewRef().Steal(), tb);
        return new PyErrorAlreadySetException();
    }
}
