using System.Runtime.InteropServices;

namespace Dram.Cli.Supervision;

/// <summary>The few libc calls the supervisor needs that .NET does not expose.</summary>
internal static partial class Native
{
    private const int F_GETFD = 1;
    private const int F_SETFD = 2;
    private const int FD_CLOEXEC = 1;

    public const int SIGKILL = 9;
    public const int SIGTERM = 15;
    public const int SIGQUIT = 3;

    /// <summary>SIGUSR1 on Linux (x86-64 and arm64); .NET has no PosixSignal for it, but registers raw numbers.</summary>
    public const int SIGUSR1 = 10;

    /// <summary>Lets <paramref name="fd"/> survive exec, so worker processes inherit it under the same number.</summary>
    public static void ClearCloseOnExec(int fd)
    {
        var flags = Fcntl(fd, F_GETFD, 0);
        if (flags < 0 || Fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC) < 0)
        {
            throw new IOException($"fcntl({fd}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>Whether <paramref name="fd"/> has FD_CLOEXEC set (tests check the inherited descriptors).</summary>
    public static bool IsCloseOnExec(int fd) => (Fcntl(fd, F_GETFD, 0) & FD_CLOEXEC) != 0;

    /// <summary>Sends <paramref name="signal"/>; false when the process is already gone.</summary>
    public static bool Kill(int pid, int signal) => SysKill(pid, signal) == 0;

    /// <summary>
    /// Removes a variable from the C environment, which the embedded interpreter copies into
    /// os.environ (.NET's Environment keeps a copy of its own). Called before Python starts.
    /// </summary>
    public static void UnsetEnvironmentVariable(string name) => SysUnsetenv(name);

    [LibraryImport("libc", EntryPoint = "unsetenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SysUnsetenv(string name);

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static partial int Fcntl(int fd, int cmd, int arg);

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SysKill(int pid, int signal);
}
