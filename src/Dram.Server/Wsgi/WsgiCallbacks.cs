using Dram.Python;

namespace Dram.Server.Wsgi;

/// <summary>
/// The native functions Python calls during a request: start_response and write (PEP 3333
/// "The start_response() Callable"), and the two reads behind wsgi.input. Each is bound per
/// request to the request's handle and dispatches to the <see cref="WsgiRequest"/> it names.
/// </summary>
internal static class WsgiCallbacks
{
    internal static readonly RequestTable<WsgiRequest> Requests = new();

    internal static readonly NativeFunction StartResponse =
        NativeFunction.Register("start_response", ["status", "headers", "exc_info"], 2, OnStartResponse);

    internal static readonly NativeFunction Write =
        NativeFunction.Register("write", ["data"], 1, OnWrite);

    internal static readonly NativeFunction Read =
        NativeFunction.Register("_read", ["handle", "size"], 2, OnRead);

    internal static readonly NativeFunction ReadLine =
        NativeFunction.Register("_readline", ["handle", "size"], 2, OnReadLine);

    private static WsgiRequest Current(long handle, string what) =>
        Requests.Find(handle) ?? throw new PyRaiseException(
            PyErrorKind.RuntimeError, $"{what} used after its request ended");

    private static PyRef OnStartResponse(long handle, ReadOnlySpan<PyBorrowed> args) =>
        Current(handle, "start_response").StartResponse(args[0], args[1], args[2]);

    private static PyRef OnWrite(long handle, ReadOnlySpan<PyBorrowed> args)
    {
        Current(handle, "write()").WriteFromApp(args[0]);
        return default;
    }

    private static PyRef OnRead(long state, ReadOnlySpan<PyBorrowed> args) =>
        Current(Py.AsLong(args[0]), "wsgi.input").Body.Read(SizeArgument(args[1]));

    private static PyRef OnReadLine(long state, ReadOnlySpan<PyBorrowed> args) =>
        Current(Py.AsLong(args[0]), "wsgi.input").Body.ReadLine(SizeArgument(args[1]));

    private static long SizeArgument(PyBorrowed size) =>
        Py.IsInt(size)
            ? Py.AsLong(size)
            : throw new PyRaiseException(PyErrorKind.TypeError, "size must be an integer or None");
}
