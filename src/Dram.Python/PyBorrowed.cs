using Dram.Python.Native;

namespace Dram.Python;

/// <summary>
/// A borrowed reference: valid while its owner keeps it alive and the GIL is held; never released.
/// <see cref="NewRef"/> turns it into an owned reference.
/// </summary>
public readonly struct PyBorrowed : IEquatable<PyBorrowed>
{
    internal readonly nint Handle;

    internal PyBorrowed(nint handle) => Handle = handle;

    public bool IsNull => Handle == 0;

    public PyRef NewRef()
    {
        CApi.Py_IncRef(Handle);
        return new PyRef(Handle);
    }

    public bool Is(PyBorrowed other) => Handle == other.Handle;

    public bool Equals(PyBorrowed other) => Handle == other.Handle;

    public override bool Equals(object? obj) => obj is PyBorrowed other && Equals(other);

    public override int GetHashCode() => Handle.GetHashCode();

    public static bool operator ==(PyBorrowed left, PyBorrowed right) => left.Handle == right.Handle;

    public static bool operator !=(PyBorrowed left, PyBorrowed right) => left.Handle != right.Handle;
}
