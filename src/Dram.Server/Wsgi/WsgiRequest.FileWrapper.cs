using System.IO.Pipelines;
using Dram.Python;
using Dram.Server.Logging;
using Microsoft.AspNetCore.Connections;
using Microsoft.Win32.SafeHandles;

namespace Dram.Server.Wsgi;

internal sealed partial class WsgiRequest
{
    private const int FileChunk = 64 * 1024;

    /// <summary>
    /// wsgi.file_wrapper fast path (PEP 3333 "Optional Platform-Specific File Handling"): when the
    /// app returns our FileWrapper around a regular file, .NET reads the file from its descriptor
    /// straight into Kestrel's output buffers with the GIL released; the file's bytes never pass
    /// through Python. False (nothing sent) when the object is not a regular file with a fileno(),
    /// and the caller iterates it instead.
    /// </summary>
    private bool TrySendFile(PyBorrowed wrapper)
    {
        SafeFileHandle? file;
        long offset;
        string path;
        try
        {
            using var filelike = Py.GetAttr(wrapper, WsgiNames.FileLike.Borrow());
            using var fileno = Py.TryGetAttr(filelike.Borrow(), WsgiNames.FileNo.Borrow());
            if (fileno.IsNull)
            {
                return false;
            }

            using var fd = Py.Call(fileno.Borrow());
            path = $"/proc/self/fd/{Py.AsLong(fd.Borrow())}";
            offset = CurrentOffset(filelike.Borrow());
            file = OpenRegularFile(path);
        }
        catch (PythonException)
        {
            return false;
        }

        if (file is null)
        {
            return false;
        }

        using (file)
        {
            var length = RandomAccess.GetLength(file);
            if (length == 0)
            {
                // Files such as /proc entries report size 0 yet have content: let Python read them.
                return false;
            }

            var count = Math.Max(0, length - offset);
            if (_declaredLength is { } declared)
            {
                count = Math.Min(count, declared);
            }
            else
            {
                _knownLength = count;
            }

            SendHeaders();
            if (!_noBody)
            {
                using (Gil.Release())
                {
                    CopyFile(file, offset, count);
                }
            }

            Log.FileSent(_logger, _written, path);
            FinishResponse();
            return true;
        }
    }

    private static long CurrentOffset(PyBorrowed filelike)
    {
        using var tell = Py.TryGetAttr(filelike, WsgiNames.Tell.Borrow());
        if (tell.IsNull)
        {
            return 0;
        }

        using var position = Py.Call(tell.Borrow());
        return Py.AsLong(position.Borrow());
    }

    /// <summary>Opens the descriptor's file anew (its own offset), or null when it is not a regular file.</summary>
    private static SafeFileHandle? OpenRegularFile(string descriptorPath)
    {
        var target = new FileInfo(descriptorPath).LinkTarget;
        if (target is null || !target.StartsWith('/') || !File.Exists(target))
        {
            return null; // a pipe, socket or deleted file: "pipe:[1234]"
        }

        try
        {
            return File.OpenHandle(descriptorPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Reads the file into the response pipe; runs without the GIL.</summary>
    private void CopyFile(SafeFileHandle file, long offset, long count)
    {
        var writer = _context.Response.BodyWriter;
        while (count > 0)
        {
            var span = writer.GetSpan((int)Math.Min(count, FileChunk));
            var read = RandomAccess.Read(file, span[..(int)Math.Min(span.Length, count)], offset);
            if (read == 0)
            {
                break; // the file shrank: FinishResponse reports the short body
            }

            writer.Advance(read);
            offset += read;
            count -= read;
            _written += read;
            FlushResult flush;
            try
            {
                flush = writer.FlushAsync(_context.RequestAborted).AsTask().GetAwaiter().GetResult();
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or ConnectionResetException)
            {
                throw new ClientDisconnectedException("flush failed: " + e.Message, e);
            }

            if (flush.IsCanceled || flush.IsCompleted)
            {
                throw new ClientDisconnectedException();
            }
        }
    }
}
