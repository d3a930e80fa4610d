using System.Reflection;
using System.Runtime.InteropServices;

namespace Dram.Python.Native;

/// <summary>
/// Loads libpython once per process and resolves the logical library name "python" used by every
/// <see cref="LibraryImportAttribute"/> in <see cref="CApi"/> to it.
/// </summary>
/// <remarks>
/// The library must be opened with RTLD_GLOBAL: C extension modules (even the standard library's
/// <c>_contextvars</c>) resolve interpreter symbols from the global namespace, and
/// <see cref="NativeLibrary.Load(string)"/> uses RTLD_LOCAL, which makes Flask's import fail with
/// "undefined symbol: PyContextVar_Type" (measured, design/NOTES.md).
/// </remarks>
internal static partial class LibPython
{
    internal const string Name = "python";
    private const int RtldNow = 0x2;
    private const int RtldGlobal = 0x100;

    private static nint s_handle;

    internal static nint Handle => s_handle;

    internal static void Load(string path)
    {
        if (s_handle != 0)
        {
            return;
        }

        var handle = dlopen(path, RtldNow | RtldGlobal);
        if (handle == 0)
        {
            var error = Marshal.PtrToStringUTF8(dlerror()) ?? "unknown error";
            throw new PythonLoadException($"cannot load libpython from {path}: {error}");
        }

        s_handle = handle;
        NativeLibrary.SetDllImportResolver(typeof(LibPython).Assembly, Resolve);
    }

    internal static nint TryGetExport(string name) =>
        NativeLibrary.TryGetExport(s_handle, name, out var address) ? address : 0;

    internal static nint GetExport(string name) =>
        NativeLibrary.TryGetExport(s_handle, name, out var address)
            ? address
            : throw new PythonLoadException($"libpython does not export {name}");

    private static nint Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath) =>
        libraryName == Name ? s_handle : 0;

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint dlopen(string path, int flags);

    [LibraryImport("libc")]
    private static partial nint dlerror();
}
