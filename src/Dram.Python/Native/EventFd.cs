using System.Runtime.InteropServices;

namespace Dram.Python.Native;

/// <summary>
/// An eventfd(2) counter: the one file descriptor the event loop watches for work from .NET.
/// Writing adds to the counter and makes it readable; reading returns and clears it.
/// </summary>
internal static unsafe partial class EventFd
{
    private const int NonBlocking = 0x800; // EFD_NONBLOCK
    private const int CloseOnExec = 0x80000; // EFD_CLOEXEC

    public static int Create()
    {
        var fd = EventFdCreate(0, NonBlocking | CloseOnExec);
        return fd >= 0 ? fd : throw new IOException($"eventfd failed: errno {Marshal.GetLastPInvokeError()}");
    }

    /// <summary>Adds one: the fd becomes readable. Never blocks (the counter cannot overflow at one per batch).</summary>
    public static void Signal(int fd)
    {
        ulong one = 1;
        _ = Write(fd, &one, sizeof(ulong));
    }

    /// <summary>Clears the counter (EAGAIN when it was already zero, which is fine).</summary>
    public static void Clear(int fd)
    {
        ulong value;
        _ = Read(fd, &value, sizeof(ulong));
    }

    [LibraryImport("libc", EntryPoint = "eventfd", SetLastError = true)]
    private static partial int EventFdCreate(uint initial, int flags);

    [LibraryImport("libc", EntryPoint = "write")]
    private static partial nint Write(int fd, void* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "read")]
    private static partial nint Read(int fd, void* buffer, nuint count);
}
