using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Dram.Server.Logging;

/// <summary>
/// A log file (error log or access log) opened with O_APPEND and written with one write(2) per
/// call, so several processes (the supervisor and its workers) append to the same file without
/// overwriting or splitting each other's lines: .NET's FileMode.Append only seeks to the end once
/// and then writes at its own position. <see cref="ReopenAll"/> opens every log file of the
/// process again by its path, for the logrotate pattern: rename the file, send SIGUSR1, and the
/// old file keeps every line written before the reopen, the new one gets every line after.
/// </summary>
internal sealed class LogFile : IDisposable
{
    private const int GetFlags = 3; // F_GETFL
    private const int SetFlags = 4; // F_SETFL
    private const int Append = 0x400; // O_APPEND (Linux)

    private static readonly Lock s_openLock = new();
    private static readonly List<LogFile> s_open = [];

    private readonly Lock _lock = new();
    private SafeFileHandle _file;
    private bool _closed;

    private LogFile(string path, SafeFileHandle file)
    {
        Path = path;
        _file = file;
    }

    public string Path { get; }

    /// <summary>Opens (creating if missing) <paramref name="path"/> for appending.</summary>
    /// <exception cref="IOException">It cannot be opened.</exception>
    /// <exception cref="UnauthorizedAccessException">It cannot be opened.</exception>
    public static LogFile Open(string path)
    {
        var file = new LogFile(path, OpenHandle(path));
        lock (s_openLock)
        {
            s_open.Add(file);
        }

        return file;
    }

    /// <summary>Reopens every log file this process has open; returns one message per file that could not be (it keeps the old one).</summary>
    public static IReadOnlyList<string> ReopenAll()
    {
        LogFile[] files;
        lock (s_openLock)
        {
            files = [.. s_open];
        }

        var failures = new List<string>();
        foreach (var file in files)
        {
            if (file.Reopen() is { } failure)
            {
                failures.Add(failure);
            }
        }

        return failures;
    }

    /// <summary>Appends <paramref name="text"/> (whole lines with their line ends); errors such as a full disk lose the text, never fail the caller.</summary>
    public void Write(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        lock (_lock)
        {
            if (_closed || bytes.Length == 0)
            {
                return;
            }

            var fd = (int)_file.DangerousGetHandle();
            var offset = 0;
            while (offset < bytes.Length)
            {
                var n = (int)WriteFd(fd, ref bytes[offset], (nuint)(bytes.Length - offset));
                if (n <= 0)
                {
                    return;
                }

                offset += n;
            }
        }
    }

    public void Dispose()
    {
        lock (s_openLock)
        {
            s_open.Remove(this);
        }

        lock (_lock)
        {
            _closed = true;
            _file.Dispose();
        }
    }

    private string? Reopen()
    {
        SafeFileHandle fresh;
        try
        {
            fresh = OpenHandle(Path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"cannot reopen '{Path}': {e.Message}";
        }

        lock (_lock)
        {
            if (_closed)
            {
                fresh.Dispose();
                return null;
            }

            var old = _file;
            _file = fresh;
            old.Dispose();
        }

        return null;
    }

    private static SafeFileHandle OpenHandle(string path)
    {
        var file = File.OpenHandle(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        var fd = (int)file.DangerousGetHandle();
        var flags = Fcntl(fd, GetFlags, 0);
        if (flags < 0 || Fcntl(fd, SetFlags, flags | Append) < 0)
        {
            file.Dispose();
            throw new IOException($"fcntl failed: errno {Marshal.GetLastPInvokeError()}");
        }

        return file;
    }

    [DllImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static extern int Fcntl(int fd, int command, int argument);

    [DllImport("libc", EntryPoint = "write", SetLastError = true)]
    private static extern nint WriteFd(int fd, ref byte buffer, nuint count);
}
