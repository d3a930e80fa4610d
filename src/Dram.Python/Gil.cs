using Dram.Python.Native;

namespace Dram.Python;

/// <summary>The GIL, as scopes. Which thread holds it is the invariant ARCHITECTURE.md states.</summary>
public static class Gil
{
    /// <summary>
    /// Releases the GIL held by the calling thread until the scope ends, for a wait that can block
    /// (a body read with no data, a back-pressured flush). A release/acquire pair costs 45–75 ns
    /// uncontended, so only wrap waits that really block (research/embedding.md §7.3).
    /// </summary>
    public static Released Release() => new(CApi.PyEval_SaveThread());

    /// <summary>True when the calling thread holds the GIL (for assertions).</summary>
    public static bool IsHeld => CApi.PyGILState_Check() != 0;

    public readonly struct Released : IDisposable
    {
        private readonly nint _threadState;

        internal Released(nint threadState) => _threadState = threadState;

        public void Dispose() => CApi.PyEval_RestoreThread(_threadState);
    }
}
