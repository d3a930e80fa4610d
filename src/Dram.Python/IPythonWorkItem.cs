namespace Dram.Python;

/// <summary>Work that runs on a <see cref="PythonThreadPool"/> thread with the GIL held.</summary>
public interface IPythonWorkItem
{
    /// <summary>Runs the work. Must not throw for expected failures; an escaping exception is reported as a fault.</summary>
    void Execute();
}
