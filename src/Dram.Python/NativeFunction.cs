using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Dram.Python.Native;

namespace Dram.Python;

/// <summary>A managed function Python can call. Runs with the GIL held, on the calling Python thread.</summary>
/// <param name="state">The value given to <see cref="NativeFunction.Bind"/> (for example a request handle).</param>
/// <param name="args">One entry per declared parameter; a null reference for an omitted optional one.</param>
/// <returns>A new reference, or a null reference for <c>None</c>.</returns>
public delegate PyRef NativeCallback(long state, ReadOnlySpan<PyBorrowed> args);

/// <summary>
/// A C# function exposed to Python as a builtin (METH_FASTCALL | METH_KEYWORDS, the cheapest
/// calling convention: ~20 ns from Python into C#, research/embedding.md §4.5). Every function
/// shares one trampoline; the callable's <c>self</c> is an int carrying the function's index in
/// its top byte and the caller's state below.
/// </summary>
public sealed unsafe class NativeFunction
{
    private const int MethFastcallKeywords = 0x80 | 0x02;
    private const int StateBits = 55;
    private const long StateMask = (1L << StateBits) - 1;

    private static readonly Lock s_registryLock = new();
    private static NativeFunction[] s_registry = [];

    private readonly string _name;
    private readonly string[] _parameters;
    private readonly int _required;
    private readonly NativeCallback _callback;
    private readonly long _index;
    private nint _def;

    private NativeFunction(string name, string[] parameters, int required, NativeCallback callback, long index)
    {
        _name = name;
        _parameters = parameters;
        _required = required;
        _callback = callback;
        _index = index;
    }

    /// <summary>Declares a function with named parameters, the first <paramref name="required"/> of them mandatory.</summary>
    public static NativeFunction Register(string name, string[] parameters, int required, NativeCallback callback)
    {
        lock (s_registryLock)
        {
            var function = new NativeFunction(name, parameters, required, callback, s_registry.Length);
            s_registry = [.. s_registry, function];
            return function;
        }
    }

    /// <summary>Creates a Python callable for this function carrying <paramref name="state"/> (0 ≤ state &lt; 2^55).</summary>
    public PyRef Bind(long state)
    {
        if ((ulong)state > StateMask)
        {
            throw new ArgumentOutOfRangeException(nameof(state));
        }

        if (_def == 0)
        {
            _def = CreateDef();
        }

        using var self = Py.Int((_index << StateBits) | state);
        return PyRef.Checked(CApi.PyCFunction_NewEx(_def, self.Borrow().Handle, 0));
    }

    private nint CreateDef()
    {
        // PyMethodDef { const char* ml_name; PyCFunction ml_meth; int ml_flags; const char* ml_doc; }.
        // Memory handed to Python lives for the process (research/embedding.md §7.5).
        var def = (nint*)NativeMemory.AllocZeroed(4, (nuint)sizeof(nint));
        var name = Py.ToCStringHeap(_name);
        var nameMemory = (byte*)NativeMemory.Alloc((nuint)name.Length);
        name.CopyTo(new Span<byte>(nameMemory, name.Length));
        def[0] = (nint)nameMemory;
        def[1] = (nint)(delegate* unmanaged[Cdecl]<nint, nint*, nuint, nint, nint>)&Trampoline;
        *(int*)&def[2] = MethFastcallKeywords;
        def[3] = 0;
        return (nint)def;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static nint Trampoline(nint self, nint* args, nuint nargsf, nint kwnames)
    {
        // An exception escaping an UnmanagedCallersOnly method ends the process: catch everything.
        try
        {
            var encoded = CApi.PyLong_AsLongLong(self);
            var function = s_registry[(int)(encoded >> StateBits)];
            return function.Invoke(encoded & StateMask, args, (int)((ulong)nargsf & ~CApiOptional.ArgumentsOffset), kwnames);
        }
        catch (PyErrorAlreadySetException)
        {
            return 0;
        }
        catch (PyRaiseException e)
        {
            SetError(PyExceptions.For(e.Kind), e.Message);
            return 0;
        }
        catch (PythonException e)
        {
            SetError(PyExceptions.RuntimeError, e.Message);
            return 0;
        }
        catch (Exception e)
        {
            SetError(PyExceptions.RuntimeError, $"internal error in Dram: {e.GetType().Name}: {e.Message}");
            return 0;
        }
    }

    private nint Invoke(long state, nint* args, int nargs, nint kwnames)
    {
        var count = _parameters.Length;
        if (nargs > count)
        {
            throw new PyRaiseException(PyErrorKind.TypeError, $"{_name}() takes at most {count} arguments ({nargs} given)");
        }

        Span<PyBorrowed> bound = stackalloc PyBorrowed[count];
        for (var i = 0; i < nargs; i++)
        {
            bound[i] = new PyBorrowed(args[i]);
        }

        if (kwnames != 0)
        {
            BindKeywords(bound, args + nargs, kwnames);
        }

        for (var i = 0; i < _required; i++)
        {
            if (bound[i].IsNull)
            {
                throw new PyRaiseException(PyErrorKind.TypeError, $"{_name}() missing required argument '{_parameters[i]}'");
            }
        }

        var result = _callback(state, bound);
        if (result.IsNull)
        {
            return Py.None.NewRef().Steal();
        }

        return result.Steal();
    }

    private void BindKeywords(Span<PyBorrowed> bound, nint* values, nint kwnames)
    {
        var names = new PyBorrowed(kwnames);
        var count = Py.TupleLength(names);
        for (var k = 0; k < count; k++)
        {
            var name = PyStr.ToStringLossy(Py.TupleItem(names, k));
            var position = Array.IndexOf(_parameters, name);
            if (position < 0)
            {
                throw new PyRaiseException(PyErrorKind.TypeError, $"{_name}() got an unexpected keyword argument '{name}'");
            }

            if (!bound[position].IsNull)
            {
                throw new PyRaiseException(PyErrorKind.TypeError, $"{_name}() got multiple values for argument '{name}'");
            }

            bound[position] = new PyBorrowed(values[k]);
        }
    }

    private static void SetError(nint type, string message)
    {
        fixed (byte* p = Py.ToCStringHeap(message))
        {
            CApi.PyErr_SetString(type, p);
        }
    }
}
