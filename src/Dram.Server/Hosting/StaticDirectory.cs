using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Dram.Server.Hosting;

/// <summary>
/// The files of one <c>--static</c> directory, opened only when they really lie inside it. A
/// request path is split into segments that must each be a plain name (no "", ".", "..", NUL or
/// '\'). The name's <c>realpath(3)</c> must lie inside the directory before the file is opened;
/// then the kernel is asked where the open descriptor really points (<c>/proc/self/fd/N</c>).
/// Both answers have every symlink resolved, so a link leading out of the directory is refused
/// however it is built, and since the second describes the descriptor that is then read, a link
/// swapped in between the check and the read cannot win.
/// </summary>
internal sealed class StaticDirectory
{
    private readonly string _root;
    private readonly string _rootWithSlash;

    public StaticDirectory(string directory)
    {
        _root = RealPath(directory) ?? throw new DramStartupException(ExitCodes.Usage, $"static directory {directory} cannot be resolved");
        _rootWithSlash = _root.EndsWith('/') ? _root : _root + "/";
    }

    /// <summary>The directory with every symlink resolved.</summary>
    public string Root => _root;

    /// <summary>
    /// Opens the regular file at <paramref name="relative"/> ("/a/b.css") under the directory, or
    /// returns null: no such file, a directory, a name that is not plain, or a file whose real
    /// location is outside the directory.
    /// </summary>
    public StaticFile? Open(string relative)
    {
        if (!IsPlain(relative))
        {
            return null;
        }

        var path = _root + relative;

        // Resolved first so that nothing outside the directory is even opened (opening a device or
        // a FIFO can block or have effects); checked again below on the descriptor, against a
        // symlink swapped in between.
        if (RealPath(path) is not { } resolved || !resolved.StartsWith(_rootWithSlash, StringComparison.Ordinal))
        {
            return null;
        }

        SafeFileHandle handle;
        try
        {
            // Directories throw UnauthorizedAccessException here: .NET refuses to open them as files.
            handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return null;
        }

        try
        {
            var real = new FileInfo($"/proc/self/fd/{handle.DangerousGetHandle()}").LinkTarget;
            if (real is null || !real.StartsWith(_rootWithSlash, StringComparison.Ordinal) || !File.Exists(real))
            {
                handle.Dispose();
                return null;
            }

            return new StaticFile(handle, RandomAccess.GetLength(handle), File.GetLastWriteTimeUtc(handle));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            handle.Dispose();
            return null;
        }
    }

    /// <summary>Whether a file of that name is there (a cheap check: only for choosing headers, never for serving).</summary>
    public bool Exists(string relative) => IsPlain(relative) && File.Exists(_root + relative);

    /// <summary>"/seg/seg": no empty, ".", ".." segment, no NUL or backslash anywhere.</summary>
    private static bool IsPlain(string relative)
    {
        if (relative.Length < 2 || relative[0] != '/' || relative.Contains('\0', StringComparison.Ordinal) || relative.Contains('\\', StringComparison.Ordinal))
        {
            return false;
        }

        foreach (var segment in relative[1..].Split('/'))
        {
            if (segment is "" or "." or "..")
            {
                return false;
            }
        }

        return true;
    }

    private static string? RealPath(string path)
    {
        var buffer = new byte[4096]; // PATH_MAX on Linux
        if (NativeRealPath(path, buffer) == 0)
        {
            return null;
        }

        return Encoding.UTF8.GetString(buffer, 0, Array.IndexOf(buffer, (byte)0));
    }

    [DllImport("libc", EntryPoint = "realpath", SetLastError = true)]
    private static extern nint NativeRealPath([MarshalAs(UnmanagedType.LPUTF8Str)] string path, byte[] resolved);
}

/// <summary>An open regular file inside a static directory; disposing closes it.</summary>
internal sealed class StaticFile(SafeFileHandle handle, long length, DateTime lastWriteUtc) : IDisposable
{
    public SafeFileHandle Handle { get; } = handle;

    public long Length { get; } = length;

    public DateTime LastWriteUtc { get; } = lastWriteUtc;

    public void Dispose() => Handle.Dispose();
}
