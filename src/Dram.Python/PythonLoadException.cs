namespace Dram.Python;

/// <summary>The interpreter could not be found, loaded or initialised (a configuration error).</summary>
public sealed class PythonLoadException : Exception
{
    public PythonLoadException(string message) : base(message) { }

    public PythonLoadException(string message, Exception inner) : base(message, inner) { }

    public PythonLoadException() { }
}
