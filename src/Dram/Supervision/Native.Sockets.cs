using System.Runtime.InteropServices;

namespace Dram.Cli.Supervision;

/// <summary>The libc calls for unix: and fd:// binds: what a path is, whether a descriptor listens.</summary>
internal static partial class Native
{
    private const int AT_FDCWD = -100;
    private const int AT_SYMLINK_NOFOLLOW = 0x100;
    private const uint STATX_TYPE = 1;
    private const int S_IFMT = 0xF000;
    private const int S_IFSOCK = 0xC000;
    private const int SOL_SOCKET = 1;
    private const int SO_ACCEPTCONN = 30;
    private const int SO_DOMAIN = 39;
    private const int AF_UNIX = 1;
    private const int EBADF = 9;
    private const int ENOENT = 2;
    private const int ENOTSOCK = 88;

    /// <summary>What is at a path, not following a symbolic link.</summary>
    public enum PathKind
    {
        Missing,
        Socket,
        Other,
    }

    /// <summary>Whether <paramref name="path"/> is missing, a socket, or anything else (a symbolic link is "else").</summary>
    public static unsafe PathKind KindOf(string path)
    {
        // statx's layout is the same on every architecture, unlike struct stat; stx_mode is a u16 at offset 28.
        var buffer = stackalloc byte[256];
        if (Statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_TYPE, buffer) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            return errno == ENOENT ? PathKind.Missing : throw new IOException($"cannot examine '{path}': {Marshal.GetPInvokeErrorMessage(errno)}");
        }

        var mode = *(ushort*)(buffer + 28);
        return (mode & S_IFMT) == S_IFSOCK ? PathKind.Socket : PathKind.Other;
    }

    /// <summary>Null when <paramref name="fd"/> is a listening socket, else why not, in words.</summary>
    public static unsafe string? WhyNotListening(int fd)
    {
        int value = 0;
        var length = sizeof(int);
        if (GetSockOpt(fd, SOL_SOCKET, SO_ACCEPTCONN, &value, &length) != 0)
        {
            return Marshal.GetLastPInvokeError() switch
            {
                EBADF => "no such descriptor is open",
                ENOTSOCK => "it is not a socket",
                var errno => Marshal.GetPInvokeErrorMessage(errno),
            };
        }

        return value == 0 ? "the socket is not listening" : null;
    }

    /// <summary>Whether <paramref name="fd"/> is a Unix domain socket (SO_DOMAIN, Linux 2.6.32+), for an fd:// bind's protocol.</summary>
    public static unsafe bool IsUnixSocket(int fd)
    {
        int domain = 0;
        var length = sizeof(int);
        return GetSockOpt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &length) == 0 && domain == AF_UNIX;
    }

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int Statx(int dirfd, string path, int flags, uint mask, byte* buffer);

    [LibraryImport("libc", EntryPoint = "getsockopt", SetLastError = true)]
    private static unsafe partial int GetSockOpt(int fd, int level, int name, int* value, int* length);
}
