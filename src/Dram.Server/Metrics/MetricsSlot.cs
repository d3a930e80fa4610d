using System.IO.MemoryMappedFiles;

namespace Dram.Server.Metrics;

/// <summary>
/// One worker's counters (<see cref="MetricsLayout"/>) in a shared file mapping. The supervisor
/// creates the file and maps it (<see cref="Create"/>); the worker maps the same file
/// (<see cref="Open"/>) and removes its name, so nothing is left behind however either process
/// ends: the pages live as long as a mapping does. Updates are interlocked operations on the
/// mapped memory, so the worker's request threads never take a lock and the supervisor reads
/// values that are each whole.
/// </summary>
internal sealed unsafe class MetricsSlot : IDisposable
{
    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private readonly long* _values;
    private int _disposed;

    private MetricsSlot(MemoryMappedFile file)
    {
        _file = file;
        _view = file.CreateViewAccessor(0, Bytes, MemoryMappedFileAccess.ReadWrite);
        byte* pointer = null;
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
        _values = (long*)(pointer + _view.PointerOffset);
    }

    private static long Bytes => MetricsLayout.Length * sizeof(long);

    /// <summary>Supervisor: creates a new zeroed slot file at <paramref name="path"/>, mode 0600 (never an existing file or a symlink).</summary>
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public static MetricsSlot Create(string path)
    {
        using var stream = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.ReadWrite,
            Share = FileShare.ReadWrite | FileShare.Delete,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        });
        stream.SetLength(Bytes);
        return new MetricsSlot(MemoryMappedFile.CreateFromFile(stream, null, Bytes, MemoryMappedFileAccess.ReadWrite, HandleInheritability.None, leaveOpen: true));
    }

    /// <summary>Worker: maps the slot the supervisor created, then removes its name.</summary>
    public static MetricsSlot Open(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        if (stream.Length < Bytes)
        {
            throw new InvalidDataException($"metrics slot {path} is {stream.Length} bytes, expected {Bytes}");
        }

        var slot = new MetricsSlot(MemoryMappedFile.CreateFromFile(stream, null, Bytes, MemoryMappedFileAccess.ReadWrite, HandleInheritability.None, leaveOpen: true));
        File.Delete(path);
        return slot;
    }

    public void Increment(int index) => Interlocked.Increment(ref _values[index]);

    public void Decrement(int index) => Interlocked.Decrement(ref _values[index]);

    /// <summary>Records one observation of <paramref name="ticks"/> (Stopwatch ticks).</summary>
    public void Observe(MetricsLayout.Histogram histogram, long ticks)
    {
        ticks = Math.Max(ticks, 0);
        Interlocked.Increment(ref _values[histogram.BucketIndex(ticks)]);
        Interlocked.Add(ref _values[histogram.SumIndex], ticks);
    }

    public long Read(int index) => Volatile.Read(ref _values[index]);

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _file.Dispose();
    }
}
