using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Dram.Server.Logging;

/// <summary>
/// Where access log lines go: standard output (<c>-</c>, as in gunicorn) or a file opened for
/// append. Each line is written whole, under one lock, with its line end, so lines never
/// interleave. Nothing is buffered: a line is out when the request's line is written.
/// </summary>
internal abstract class AccessLogSink : IDisposable
{
    private readonly Lock _lock = new();

    /// <exception cref="DramStartupException">The file cannot be opened (exit code 2).</exception>
    public static AccessLogSink Open(string target)
    {
        if (target == "-")
        {
            // Console.Out is synchronised and flushes on every write; in a worker the supervisor
            // passes these lines on to its own standard output, one line at a time.
            return new WriterSink(Console.Out);
        }

        try
        {
            return new FileSink(target);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DramStartupException(ExitCodes.Usage, $"cannot open the access log '{target}': {e.Message}");
        }
    }

    public void WriteLine(string line)
    {
        lock (_lock)
        {
            try
            {
                Write(line + "\n");
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                // A full disk or a closed standard output must not fail the request.
            }
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            Close();
        }
    }

    protected abstract void Write(string line);

    protected abstract void Close();

    private sealed class WriterSink(TextWriter writer) : AccessLogSink
    {
        protected override void Write(string line)
        {
            writer.Write(line);
            writer.Flush();
        }

        protected override void Close() { }
    }

    /// <summary>
    /// A file with O_APPEND, written with write(2): several worker processes append to the same
    /// file without overwriting each other's lines (.NET's FileMode.Append only seeks to the end
    /// once and then writes at its own position).
    /// </summary>
    private sealed class FileSink : AccessLogSink
    {
        private const int GetFlags = 3; // F_GETFL
        private const int SetFlags = 4; // F_SETFL
        private const int Append = 0x400; // O_APPEND (Linux)

        private readonly SafeFileHandle _file;
        private bool _closed;

        public FileSink(string path)
        {
            _file = File.OpenHandle(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
            var fd = (int)_file.DangerousGetHandle();
            var flags = Fcntl(fd, GetFlags, 0);
            if (flags < 0 || Fcntl(fd, SetFlags, flags | Append) < 0)
            {
                _file.Dispose();
                throw new IOException($"fcntl failed: errno {Marshal.GetLastPInvokeError()}");
            }
        }

        protected override void Write(string line)
        {
            if (_closed)
            {
                return;
            }

            var bytes = Encoding.UTF8.GetBytes(line);
            var fd = (int)_file.DangerousGetHandle();
            var offset = 0;
            while (offset < bytes.Length)
            {
                var n = WriteBytes(fd, bytes, offset, bytes.Length - offset);
                if (n <= 0)
                {
                    return; // an error (disk full): the line is lost, the request is not failed
                }

                offset += n;
            }
        }

        protected override void Close()
        {
            _closed = true;
            _file.Dispose();
        }

        private static int WriteBytes(int fd, byte[] bytes, int offset, int count)
        {
            if (offset == 0)
            {
                return (int)WriteFd(fd, bytes, (nuint)count);
            }

            var rest = bytes[offset..];
            return (int)WriteFd(fd, rest, (nuint)count);
        }

        [DllImport("libc", EntryPoint = "fcntl", SetLastError = true)]
        private static extern int Fcntl(int fd, int command, int argument);

        [DllImport("libc", EntryPoint = "write", SetLastError = true)]
        private static extern nint WriteFd(int fd, byte[] buffer, nuint count);
    }
}
