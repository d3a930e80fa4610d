using System.Buffers;
using System.IO.Pipelines;
using Dram.Python;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;

namespace Dram.Server.Wsgi;

/// <summary>
/// The request body behind wsgi.input, read straight from Kestrel's request pipe on the Python
/// thread. Memory stays bounded by what the app asks for: nothing is read ahead. When the pipe is
/// empty the GIL is released for the wait (Granian and uWSGI do the same). Kestrel itself answers
/// <c>Expect: 100-continue</c> at the first read, and de-chunks chunked bodies.
/// </summary>
internal sealed class RequestBody
{
    private readonly HttpContext _context;
    private readonly PipeReader _reader;
    private bool _eof;

    public RequestBody(HttpContext context)
    {
        _context = context;
        _reader = context.Request.BodyReader;
    }

    /// <summary>The status Kestrel chose when it rejected the body (413, 400, 408), for the error response.</summary>
    public int? RejectedStatus { get; private set; }

    /// <summary>read(size): up to <paramref name="size"/> bytes, fewer only at the end; all of it when negative.</summary>
    public PyRef Read(long size) => Collect(size, stopAtNewline: false);

    /// <summary>readline(size): up to and including the next LF, at most <paramref name="size"/> bytes when non-negative.</summary>
    public PyRef ReadLine(long size) => Collect(size, stopAtNewline: true);

    private PyRef Collect(long size, bool stopAtNewline)
    {
        if (size == 0 || _eof)
        {
            return PyBytes.From([]);
        }

        var limit = size < 0 ? long.MaxValue : size;
        ArrayBufferWriter<byte>? gathered = null;
        while (true)
        {
            var buffer = ReadSome();
            if (buffer.IsEmpty)
            {
                _eof = true;
                _reader.AdvanceTo(buffer.End);
                return Finish(gathered);
            }

            var alreadyHave = gathered?.WrittenCount ?? 0;
            var take = Math.Min(buffer.Length, limit - alreadyHave);
            var done = take == limit - alreadyHave;
            if (stopAtNewline && buffer.Slice(0, take).PositionOf((byte)'\n') is { } newline)
            {
                take = buffer.Slice(0, newline).Length + 1;
                done = true;
            }

            var slice = buffer.Slice(0, take);
            if (done && gathered is null)
            {
                // The common case: all the caller wants is already in the pipe: one copy, into the bytes object.
                var bytes = ToBytes(slice);
                _reader.AdvanceTo(slice.End);
                return bytes;
            }

            gathered ??= new ArrayBufferWriter<byte>((int)Math.Min(Math.Max(take, 4096), 1 << 20));
            foreach (var segment in slice)
            {
                gathered.Write(segment.Span);
            }

            _reader.AdvanceTo(slice.End);
            if (done)
            {
                return Finish(gathered);
            }
        }
    }

    private static PyRef Finish(ArrayBufferWriter<byte>? gathered) =>
        PyBytes.From(gathered is null ? [] : gathered.WrittenSpan);

    private static PyRef ToBytes(ReadOnlySequence<byte> slice) =>
        slice.IsSingleSegment
            ? PyBytes.From(slice.FirstSpan)
            : PyBytes.Create((int)slice.Length, slice, static (span, source) =>
            {
                source.CopyTo(span);
                return (int)source.Length;
            });

    /// <summary>Data from the pipe, waiting (without the GIL) when none is buffered; empty at the end.</summary>
    private ReadOnlySequence<byte> ReadSome()
    {
        try
        {
            while (true)
            {
                if (!_reader.TryRead(out var result))
                {
                    using (Gil.Release())
                    {
                        result = _reader.ReadAsync(_context.RequestAborted).AsTask().GetAwaiter().GetResult();
                    }
                }

                if (!result.Buffer.IsEmpty || result.IsCompleted || result.IsCanceled)
                {
                    return result.Buffer;
                }

                _reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
            }
        }
        catch (BadHttpRequestException e)
        {
            // Too large (413), a bad chunk (400), too slow (408): Kestrel already decided the answer.
            RejectedStatus = e.StatusCode;
            throw new PyRaiseException(PyErrorKind.OSError, $"request body rejected: {e.Message}");
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ConnectionResetException)
        {
            throw new PyRaiseException(PyErrorKind.OSError, "client disconnected while sending the request body");
        }
    }
}
