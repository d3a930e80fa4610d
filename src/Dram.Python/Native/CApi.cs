using System.Runtime.InteropServices;

namespace Dram.Python.Native;

/// <summary>
/// The CPython C API functions Dram calls, bound by name at run time to the libpython that
/// <see cref="LibPython"/> loaded. Only exported functions, never macros or struct fields, so one
/// build serves CPython 3.9–3.13 (research/embedding.md §5.1). A <c>nint</c> here is a
/// <c>PyObject*</c>; ownership is expressed by the callers in <see cref="PyRef"/>/<see cref="PyBorrowed"/>.
/// Functions that only exist in some versions live in <see cref="CApiOptional"/>.
/// </summary>
internal static unsafe partial class CApi
{
    // Lifecycle.
    [LibraryImport(LibPython.Name)] internal static partial nint Py_GetVersion();
    [LibraryImport(LibPython.Name)] internal static partial nint Py_DecodeLocale(byte* arg, nint* size);
    [LibraryImport(LibPython.Name)] internal static partial void Py_SetProgramName(nint name);
    [LibraryImport(LibPython.Name)] internal static partial void Py_InitializeEx(int initsigs);
    [LibraryImport(LibPython.Name)] internal static partial int Py_IsInitialized();

    // Threads and the GIL.
    [LibraryImport(LibPython.Name)] internal static partial nint PyEval_SaveThread();
    [LibraryImport(LibPython.Name)] internal static partial void PyEval_RestoreThread(nint tstate);
    [LibraryImport(LibPython.Name)] internal static partial int PyGILState_Ensure();
    [LibraryImport(LibPython.Name)] internal static partial void PyGILState_Release(int state);
    [LibraryImport(LibPython.Name)] internal static partial int PyGILState_Check();
    [LibraryImport(LibPython.Name)] internal static partial ulong PyThread_get_thread_ident();
    [LibraryImport(LibPython.Name)] internal static partial int PyThreadState_SetAsyncExc(ulong id, nint exc);

    // Reference counts: the exported functions, never the struct field (immortal objects, 3.12+).
    [LibraryImport(LibPython.Name)] internal static partial void Py_IncRef(nint o);
    [LibraryImport(LibPython.Name)] internal static partial void Py_DecRef(nint o);

    // Modules and code.
    [LibraryImport(LibPython.Name)] internal static partial nint PyImport_ImportModule(byte* name);
    [LibraryImport(LibPython.Name)] internal static partial nint Py_CompileString(byte* code, byte* filename, int start);
    [LibraryImport(LibPython.Name)] internal static partial nint PyImport_ExecCodeModule(byte* name, nint code);
    [LibraryImport(LibPython.Name)] internal static partial nint PySys_GetObject(byte* name);

    // Objects.
    [LibraryImport(LibPython.Name)] internal static partial nint PyObject_GetAttrString(nint o, byte* name);
    [LibraryImport(LibPython.Name)] internal static partial nint PyObject_GetAttr(nint o, nint name);
    [LibraryImport(LibPython.Name)] internal static partial int PyObject_SetAttrString(nint o, byte* name, nint value);
    [LibraryImport(LibPython.Name)] internal static partial int PyObject_HasAttr(nint o, nint name);
    [LibraryImport(LibPython.Name)] internal static partial nint PyObject_Str(nint o);
    [LibraryImport(LibPython.Name)] internal static partial nint PyObject_Repr(nint o);
    [LibraryImport(LibPython.Name)] internal static partial int PyObject_IsTrue(nint o);
    [LibraryImport(LibPython.Name)] internal static partial int PyCallable_Check(nint o);
    [LibraryImport(LibPython.Name)] internal static partial nint PyObject_GetIter(nint o);
    [LibraryImport(LibPython.Name)] internal static partial nint PyIter_Next(nint o);
    [LibraryImport(LibPython.Name)] internal static partial nint PyObject_Call(nint callable, nint args, nint kwargs);
    [LibraryImport(LibPython.Name)] internal static partial nint PyObject_VectorcallDict(nint callable, nint* args, nuint nargsf, nint kwdict);
    [LibraryImport(LibPython.Name)] internal static partial uint PyType_GetFlags(nint type);
    [LibraryImport(LibPython.Name)] internal static partial nint PySequence_GetItem(nint o, nint i);
    [LibraryImport(LibPython.Name)] internal static partial nint PySequence_Size(nint o);

    // str, bytes, int.
    [LibraryImport(LibPython.Name)] internal static partial nint PyUnicode_FromStringAndSize(byte* s, nint size);
    [LibraryImport(LibPython.Name)] internal static partial nint PyUnicode_FromKindAndData(int kind, void* buffer, nint size);
    [LibraryImport(LibPython.Name)] internal static partial nint PyUnicode_DecodeLatin1(byte* s, nint size, byte* errors);
    [LibraryImport(LibPython.Name)] internal static partial byte* PyUnicode_AsUTF8AndSize(nint o, nint* size);
    [LibraryImport(LibPython.Name)] internal static partial nint PyUnicode_AsLatin1String(nint o);
    [LibraryImport(LibPython.Name)] internal static partial nint PyUnicode_InternFromString(byte* s);
    [LibraryImport(LibPython.Name)] internal static partial nint PyBytes_FromStringAndSize(byte* s, nint size);
    [LibraryImport(LibPython.Name)] internal static partial int PyBytes_AsStringAndSize(nint o, byte** buffer, nint* length);
    [LibraryImport(LibPython.Name)] internal static partial nint PyLong_FromLongLong(long v);
    [LibraryImport(LibPython.Name)] internal static partial long PyLong_AsLongLong(nint o);

    // dict, tuple, list.
    [LibraryImport(LibPython.Name)] internal static partial nint PyDict_New();
    [LibraryImport(LibPython.Name)] internal static partial nint PyDict_Copy(nint o);
    [LibraryImport(LibPython.Name)] internal static partial int PyDict_SetItem(nint d, nint key, nint value);
    [LibraryImport(LibPython.Name)] internal static partial nint PyDict_GetItemWithError(nint d, nint key);
    [LibraryImport(LibPython.Name)] internal static partial nint PyTuple_New(nint size);
    [LibraryImport(LibPython.Name)] internal static partial int PyTuple_SetItem(nint t, nint pos, nint o);
    [LibraryImport(LibPython.Name)] internal static partial nint PyTuple_GetItem(nint t, nint pos);
    [LibraryImport(LibPython.Name)] internal static partial nint PyTuple_Size(nint t);
    [LibraryImport(LibPython.Name)] internal static partial nint PyList_New(nint size);
    [LibraryImport(LibPython.Name)] internal static partial nint PyList_GetItem(nint l, nint index);
    [LibraryImport(LibPython.Name)] internal static partial nint PyList_Size(nint l);
    [LibraryImport(LibPython.Name)] internal static partial int PyList_Append(nint l, nint item);

    // Errors.
    [LibraryImport(LibPython.Name)] internal static partial nint PyErr_Occurred();
    [LibraryImport(LibPython.Name)] internal static partial void PyErr_Fetch(nint* type, nint* value, nint* traceback);
    [LibraryImport(LibPython.Name)] internal static partial void PyErr_NormalizeException(nint* type, nint* value, nint* traceback);
    [LibraryImport(LibPython.Name)] internal static partial void PyErr_Restore(nint type, nint value, nint traceback);
    [LibraryImport(LibPython.Name)] internal static partial void PyErr_SetString(nint type, byte* message);
    [LibraryImport(LibPython.Name)] internal static partial void PyErr_SetObject(nint type, nint value);
    [LibraryImport(LibPython.Name)] internal static partial void PyErr_Clear();
    [LibraryImport(LibPython.Name)] internal static partial int PyErr_GivenExceptionMatches(nint given, nint exc);

    // Native callables (METH_FASTCALL | METH_KEYWORDS, research/embedding.md §4.5).
    [LibraryImport(LibPython.Name)] internal static partial nint PyCFunction_NewEx(nint def, nint self, nint module);
}
