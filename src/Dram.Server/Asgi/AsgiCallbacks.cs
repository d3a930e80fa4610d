using Dram.Python;

namespace Dram.Server.Asgi;

/// <summary>
/// The native functions an ASGI app calls: each connection's <c>receive()</c> and <c>send()</c>
/// (bound to the connection's handle), and <c>_finish</c>, through which the runner coroutine
/// reports how the app call ended. All run on the loop thread with the GIL held.
/// </summary>
internal static class AsgiCallbacks
{
    internal static readonly RequestTable<AsgiConnection> Connections = new();

    internal static readonly NativeFunction Receive =
        NativeFunction.Register("receive", [], 0, OnReceive);

    internal static readonly NativeFunction Send =
        NativeFunction.Register("send", ["message"], 1, OnSend);

    internal static readonly NativeFunction Finish =
        NativeFunction.Register("_finish", ["handle", "outcome", "detail"], 3, OnFinish);

    private static AsgiConnection Current(long handle, string what) =>
        Connections.Find(handle) ?? throw new PyRaiseException(
            PyErrorKind.RuntimeError, $"{what} used after its connection ended");

    private static PyRef OnReceive(long handle, ReadOnlySpan<PyBorrowed> args) => Current(handle, "receive()").Receive();

    private static PyRef OnSend(long handle, ReadOnlySpan<PyBorrowed> args) => Current(handle, "send()").Send(args[0]);

    private static PyRef OnFinish(long state, ReadOnlySpan<PyBorrowed> args)
    {
        var connection = Connections.Find(Py.AsLong(args[0]));
        connection?.Finished((AppOutcome)Py.AsLong(args[1]), PyStr.ToStringLossy(args[2]));
        return default;
    }
}

/// <summary>How an app call ended; the values match asgi_support.py.</summary>
internal enum AppOutcome
{
    Returned = 0,
    Raised = 1,
    Cancelled = 2,
    Disconnected = 3,
}
