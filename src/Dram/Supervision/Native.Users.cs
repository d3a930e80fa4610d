using System.Runtime.InteropServices;

namespace Dram.Cli.Supervision;

/// <summary>The libc calls for --user and --group: looking accounts up, and switching to one.</summary>
internal static partial class Native
{
    /// <summary>A user's id, primary group and name, from the account database (NSS, so LDAP users work too).</summary>
    public static (uint Uid, uint Gid, string Name)? FindUser(string nameOrId)
    {
        var entry = uint.TryParse(nameOrId, out var id) ? GetPwUid(id) : GetPwNam(nameOrId);
        if (entry == IntPtr.Zero)
        {
            return null;
        }

        // struct passwd (glibc, LP64): pw_name, pw_passwd, then pw_uid and pw_gid as 32-bit ids.
        var name = Marshal.PtrToStringUTF8(Marshal.ReadIntPtr(entry, 0)) ?? nameOrId;
        return ((uint)Marshal.ReadInt32(entry, 2 * IntPtr.Size), (uint)Marshal.ReadInt32(entry, (2 * IntPtr.Size) + 4), name);
    }

    /// <summary>A group's id, by name or number.</summary>
    public static uint? FindGroup(string nameOrId)
    {
        var entry = uint.TryParse(nameOrId, out var id) ? GetGrGid(id) : GetGrNam(nameOrId);

        // struct group (glibc, LP64): gr_name, gr_passwd, then gr_gid.
        return entry == IntPtr.Zero ? null : (uint)Marshal.ReadInt32(entry, 2 * IntPtr.Size);
    }

    /// <summary>
    /// Becomes <paramref name="uid"/>:<paramref name="gid"/> for good: supplementary groups first
    /// (the user's own from the group database, or none for a bare uid), then the group, then the
    /// user, since after setuid the process may no longer change its groups. glibc applies each
    /// call to every thread of the process.
    /// </summary>
    public static void SwitchUser(uint uid, uint gid, string? userName)
    {
        Check(userName is null ? SetGroups(0, IntPtr.Zero) : InitGroups(userName, gid), "setting the supplementary groups");
        Check(SetGid(gid), $"setgid({gid})");
        Check(SetUid(uid), $"setuid({uid})");
    }

    /// <summary>Gives <paramref name="path"/> to <paramref name="uid"/>:<paramref name="gid"/> (following a symbolic link, as chown(1) does).</summary>
    public static void ChangeOwner(string path, uint uid, uint gid) => Check(Chown(path, uid, gid), $"chown {path}");

    public static uint CurrentUid => GetUid();

    public static uint CurrentGid => GetGid();

    private static void Check(int result, string what)
    {
        if (result != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new UnauthorizedAccessException($"{what} failed: {Marshal.GetPInvokeErrorMessage(errno)}");
        }
    }

    [LibraryImport("libc", EntryPoint = "getpwnam", StringMarshalling = StringMarshalling.Utf8)]
    private static partial IntPtr GetPwNam(string name);

    [LibraryImport("libc", EntryPoint = "getpwuid")]
    private static partial IntPtr GetPwUid(uint uid);

    [LibraryImport("libc", EntryPoint = "getgrnam", StringMarshalling = StringMarshalling.Utf8)]
    private static partial IntPtr GetGrNam(string name);

    [LibraryImport("libc", EntryPoint = "getgrgid")]
    private static partial IntPtr GetGrGid(uint gid);

    [LibraryImport("libc", EntryPoint = "initgroups", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int InitGroups(string user, uint gid);

    [LibraryImport("libc", EntryPoint = "setgroups", SetLastError = true)]
    private static partial int SetGroups(nuint size, IntPtr list);

    [LibraryImport("libc", EntryPoint = "setgid", SetLastError = true)]
    private static partial int SetGid(uint gid);

    [LibraryImport("libc", EntryPoint = "setuid", SetLastError = true)]
    private static partial int SetUid(uint uid);

    [LibraryImport("libc", EntryPoint = "chown", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Chown(string path, uint uid, uint gid);

    [LibraryImport("libc", EntryPoint = "getuid")]
    private static partial uint GetUid();

    [LibraryImport("libc", EntryPoint = "getgid")]
    private static partial uint GetGid();
}
