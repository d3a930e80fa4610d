using System.IO.Pipelines;
using Dram.Python;
using Dram.Server.Hosting;
using Dram.Server.Logging;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Dram.Server.Wsgi;

internal sealed partial class WsgiRequest
{
    // Bytes written without a flush before Dram flushes anyway, so a large list response cannot
    // pile up in Kestrel's pipe: flushing is what applies backpressure from a slow client.
    private const int FlushThreshold = 64 * 1024;

    private bool _headersSent;

    // The body length Dram worked out itself (a list response, a file), sent as Content-Length
    // when the app gave none, so Kestrel need not chunk.
    private long? _knownLength;
    private bool _noBody;
    private long _written;
    private long _unflushed;

    /// <summary>Sends the app's return value (PEP 3333 "the application object must return an iterable yielding zero or more bytestrings").</summary>
    private void SendResponse(PyBorrowed result)
    {
        if (Py.IsList(result))
        {
            SendList(result);
        }
        else if (Py.IsExactly(result, _app.FileWrapperType.Borrow()) && TrySendFile(result))
        {
            return;
        }
        else
        {
            SendIterable(result);
        }

        FinishResponse();
    }

    /// <summary>
    /// A list is the common case (Flask, Django, hello world): its length is known, so Dram sets
    /// Content-Length when the app did not, and leaves the last flush to Kestrel.
    /// </summary>
    private void SendList(PyBorrowed list)
    {
        var count = Py.ListLength(list);
        if (_declaredLength is null && !_headersSent)
        {
            _knownLength = TotalLength(list, count);
        }

        // The length is read again each step: a flush may release the GIL, and with it another
        // thread could shrink the list.
        for (var i = 0; i < Py.ListLength(list); i++)
        {
            WriteChunk(Py.ListItem(list, i), flush: false);
        }
    }

    /// <summary>The sum of the chunk lengths, or null when a chunk is not bytes (reported when it is written).</summary>
    private static long? TotalLength(PyBorrowed list, long count)
    {
        long total = 0;
        for (var i = 0; i < count; i++)
        {
            if (!PyBytes.TryGetSpan(Py.ListItem(list, i), out var span))
            {
                return null;
            }

            total += span.Length;
        }

        return total;
    }

    private void SendIterable(PyBorrowed result)
    {
        using var iterator = Py.GetIter(result);
        var aborted = _context.RequestAborted;
        while (Py.Next(iterator.Borrow(), out var chunk))
        {
            // A generator may run long (or forever): stop asking it for data once the client is gone.
            if (aborted.IsCancellationRequested)
            {
                chunk.Dispose();
                throw new ClientDisconnectedException();
            }

            using (chunk)
            {
                // PEP 3333 "Buffering and Streaming": a yielded block is sent before the next is asked for.
                WriteChunk(chunk.Borrow(), flush: true);
            }
        }
    }

    private void WriteChunk(PyBorrowed chunk, bool flush)
    {
        if (!PyBytes.TryGetSpan(chunk, out var data))
        {
            throw new InvalidResponseException(
                $"the response iterable yielded {Py.StrOrRepr(Py.TypeOfObject(chunk))} where bytes are required (PEP 3333)");
        }

        // Headers go out with the first non-empty chunk, so an app can still fail (and get a 500)
        // after start_response (PEP 3333 "the start_response callable must not actually transmit").
        if (data.IsEmpty)
        {
            return;
        }

        SendHeaders();
        WriteBody(data);
        if (flush || _unflushed >= FlushThreshold)
        {
            Flush();
        }
    }

    /// <summary>The write() callable returned by start_response: data goes out before it returns.</summary>
    public void WriteFromApp(PyBorrowed data)
    {
        if (_reason is null)
        {
            throw new PyRaiseException(PyErrorKind.AssertionError, "write() called before start_response()");
        }

        if (!PyBytes.TryGetSpan(data, out var span))
        {
            throw new PyRaiseException(PyErrorKind.TypeError, "write() argument must be bytes");
        }

        try
        {
            SendHeaders();
            WriteBody(span);
            Flush();
        }
        catch (ClientDisconnectedException)
        {
            throw new PyRaiseException(PyErrorKind.OSError, "client disconnected");
        }
    }

    private void SendHeaders()
    {
        if (_headersSent)
        {
            return;
        }

        if (_reason is null)
        {
            throw new InvalidResponseException("the app returned a body without calling start_response()");
        }

        var response = _context.Response;
        response.StatusCode = _statusCode;
        _context.Features.GetRequiredFeature<IHttpResponseFeature>().ReasonPhrase = _reason;
        var headers = response.Headers;
        foreach (var (name, value) in _headers!)
        {
            headers.Append(name, value);
        }

        if (_closeConnection)
        {
            ConnectionClose.AfterResponse(_context);
        }

        _noBody = ResponseFraming.HasNoContent(_context.Request.Method, _statusCode);
        if (HttpMethods.IsConnect(_context.Request.Method) && _statusCode is >= 200 and < 300)
        {
            // RFC 9110 §9.3.6: after a 2xx to CONNECT the connection is a tunnel, with no framing
            // (Kestrel refuses Content-Length there). Dram cannot tunnel, so what the app sends
            // is the tunnel's data and the connection then closes.
            _declaredLength = null;
            _knownLength = null;
            CloseAfterResponse();
        }
        else if (_declaredLength is { } length && ResponseFraming.MayStateLength(_statusCode))
        {
            response.ContentLength = length;
        }
        else if (_knownLength is { } known && !_noBody)
        {
            response.ContentLength = known;
        }
        else if (_knownLength is { } headLength && HttpMethods.IsHead(_context.Request.Method) && ResponseFraming.MayStateLength(_statusCode) && _statusCode != 304)
        {
            // HEAD: the length the GET would have had (RFC 9110 §9.3.2).
            response.ContentLength = headLength;
        }

        _headersSent = true;
    }

    private void WriteBody(ReadOnlySpan<byte> data)
    {
        if (_noBody)
        {
            return;
        }

        if (_declaredLength is { } declared && _written + data.Length > declared)
        {
            // Never send more than Content-Length: the surplus would be read as the next response.
            var attempted = _written + data.Length;
            WriteToPipe(data[..(int)(declared - _written)]);
            Flush();
            Log.ContentLengthMismatch(_logger, Method, Target, "longer", declared, attempted);
            CloseAfterResponse();
            throw new ResponseCompleteException();
        }

        WriteToPipe(data);
    }

    private void WriteToPipe(ReadOnlySpan<byte> data)
    {
        PipeCopy.Write(_context.Response.BodyWriter, data);
        _written += data.Length;
        _unflushed += data.Length;
    }

    /// <summary>
    /// Flushes to Kestrel. Usually completes at once; when the client is slow the flush waits,
    /// and then the GIL is released so other requests' Python can run meanwhile.
    /// </summary>
    private void Flush()
    {
        _unflushed = 0;
        FlushResult result;
        try
        {
            var flush = _context.Response.BodyWriter.FlushAsync(_context.RequestAborted);
            if (flush.IsCompletedSuccessfully)
            {
                result = flush.Result;
            }
            else
            {
                using (Gil.Release())
                {
                    result = flush.AsTask().GetAwaiter().GetResult();
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ConnectionResetException or InvalidOperationException)
        {
            throw new ClientDisconnectedException("flush failed: " + e.Message, e);
        }

        if (result.IsCanceled || result.IsCompleted)
        {
            throw new ClientDisconnectedException();
        }
    }

    /// <summary>Closes the connection gracefully once this response is done (FIN, not RST, so the client reads all it was sent).</summary>
    private void CloseAfterResponse() =>
        _context.Features.Get<IConnectionLifetimeNotificationFeature>()?.RequestClose();

    private void FinishResponse()
    {
        SendHeaders();
        if (!_noBody && _declaredLength is { } declared && _written < declared)
        {
            // Kestrel sees the short body too and closes the connection after it (the client cannot
            // know where the response ends); Dram makes sure of it and logs it once, with the request.
            Log.ContentLengthMismatch(_logger, Method, Target, "shorter", declared, _written);
            CloseAfterResponse();

            // Flushed, the response has started: Kestrel then closes after it instead of trying to
            // turn it into a 500 behind body bytes already in its pipe.
            Flush();
        }
    }
}
