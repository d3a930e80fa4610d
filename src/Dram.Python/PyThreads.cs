using Dram.Python.Native;

namespace Dram.Python;

/// <summary>Python's view of OS threads: identify the current one, raise into another. The GIL must be held.</summary>
public static class PyThreads
{
    /// <summary>The calling thread's Python identifier (<c>threading.get_ident()</c>).</summary>
    public static ulong CurrentId() => CApi.PyThread_get_thread_ident();

    /// <summary>
    /// Arranges for <paramref name="exceptionType"/> to be raised in the thread <paramref name="threadId"/>
    /// the next time it runs Python bytecode (<c>PyThreadState_SetAsyncExc</c>). A thread blocked in
    /// C code sees it only when it returns to Python. True when a thread was found.
    /// </summary>
    public static bool RaiseIn(ulong threadId, PyBorrowed exceptionType) =>
        CApi.PyThreadState_SetAsyncExc(threadId, exceptionType.Handle) > 0;

    /// <summary>Withdraws an exception set by <see cref="RaiseIn"/> that has not fired yet.</summary>
    public static void ClearPending(ulong threadId) => _ = CApi.PyThreadState_SetAsyncExc(threadId, 0);
}
