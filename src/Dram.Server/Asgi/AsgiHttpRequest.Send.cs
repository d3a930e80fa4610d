using System.Globalization;
using System.IO.Pipelines;
using System.Text;
using Dram.Python;
using Dram.Server.Hosting;
using Dram.Server.Logging;
using Dram.Server.Wsgi;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;

namespace Dram.Server.Asgi;

internal sealed partial class AsgiHttpRequest
{
    private bool _started;
    private bool _headersSent;
    private bool _complete;
    private bool _noBody;
    private bool _closeConnection;
    private bool _flushPending;
    private bool _flushFailed;
    private int _status;
    private List<(string Name, string Value)> _headers = [];
    private long? _declaredLength;
    private long _written;
    private PyRef _pendingSend;
    private Exception? _fileError;

    public override PyRef Send(PyBorrowed message)
    {
        var type = MessageType(message);
        if (_flushPending)
        {
            throw ProtocolError("send() called before the previous send() completed");
        }

        switch (type)
        {
            case "http.response.start":
                StartResponse(message);
                return App.Loop.DoneNone.NewRef();
            case "http.response.body":
                return SendBody(message);
            case "http.response.pathsend":
                return SendPath(message);
            default:
                throw ProtocolError($"unexpected ASGI message '{type}' on an http connection");
        }
    }

    /// <summary>http.response.start: kept until the first body message, so an app can still fail into a clean 500.</summary>
    private void StartResponse(PyBorrowed message)
    {
        if (_started)
        {
            throw ProtocolError("http.response.start sent twice");
        }

        var status = Py.GetItem(message, AsgiNames.Status.Borrow());
        if (status.IsNull || !Py.IsInt(status))
        {
            throw ProtocolError("http.response.start needs an integer 'status'", PyErrorKind.TypeError);
        }

        var code = Py.AsLong(status);
        if (code is < 100 or > 999)
        {
            throw ProtocolError($"status {code} is not a three-digit HTTP status", PyErrorKind.ValueError);
        }

        var headers = new List<(string, string)>();
        foreach (var (name, value) in ReadHeaders(message, "response"))
        {
            AddHeader(name, value, headers);
        }

        _status = (int)code;
        _headers = headers;
        _started = true;
    }

    private void AddHeader(string name, string value, List<(string, string)> headers)
    {
        if (name.Equals("content-length", StringComparison.OrdinalIgnoreCase))
        {
            if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var length))
            {
                throw ProtocolError($"invalid content-length {value}", PyErrorKind.ValueError);
            }

            _declaredLength = length;
            return;
        }

        if (name.Equals("connection", StringComparison.OrdinalIgnoreCase))
        {
            _closeConnection |= value.Contains("close", StringComparison.OrdinalIgnoreCase);
            return;
        }

        if (HeaderRules.IsHopByHop(name))
        {
            // Framing and the connection are Kestrel's (RFC 9110 §7.6.1): an app's
            // Transfer-Encoding would contradict the framing Kestrel chooses.
            return;
        }

        headers.Add((name, value));
    }

    private PyRef SendBody(PyBorrowed message)
    {
        if (!_started)
        {
            throw ProtocolError("http.response.body sent before http.response.start");
        }

        if (_complete)
        {
            throw ProtocolError("http.response.body sent after the response completed");
        }

        if (_disconnected)
        {
            throw ClientGone();
        }

        var body = Py.GetItem(message, AsgiNames.Body.Borrow());
        ReadOnlySpan<byte> data = default;
        if (!body.IsNull && !PyBytes.TryGetSpan(body, out data))
        {
            throw ProtocolError($"http.response.body 'body' must be bytes, not {Py.StrOrRepr(Py.TypeOfObject(body))}", PyErrorKind.TypeError);
        }

        var moreBody = Py.GetItem(message, AsgiNames.MoreBody.Borrow());
        var more = !moreBody.IsNull && Py.IsTrue(moreBody);
        if (!_headersSent)
        {
            SendHeaders(more ? null : data.Length);
        }

        WriteBody(data);
        if (!more)
        {
            CompleteResponse();
            return App.Loop.DoneNone.NewRef();
        }

        return Flush();
    }

    private void SendHeaders(long? knownLength)
    {
        var response = Context.Response;
        response.StatusCode = _status;
        var headers = response.Headers;
        foreach (var (name, value) in _headers)
        {
            headers.Append(name, value);
        }

        _noBody = ResponseFraming.HasNoContent(Method, _status);
        if (_declaredLength is { } declared && ResponseFraming.MayStateLength(_status))
        {
            response.ContentLength = declared;
        }
        else if (knownLength is { } known && !_noBody)
        {
            // One body message and no Content-Length from the app: Dram knows the length, so the
            // response need not be chunked (Granian's "full" response).
            response.ContentLength = known;
        }
        else if (_declaredLength is not null)
        {
            _declaredLength = null;
        }

        if (_closeConnection)
        {
            ConnectionClose.AfterResponse(Context);
        }

        _headersSent = true;
    }

    private void WriteBody(ReadOnlySpan<byte> data)
    {
        if (_noBody || data.IsEmpty)
        {
            return;
        }

        if (_declaredLength is { } declared && _written + data.Length > declared)
        {
            var attempted = _written + data.Length;
            WriteToPipe(data[..(int)(declared - _written)]);
            Log.ContentLengthMismatch(Logger, Method, Target, "longer", declared, attempted);
            throw ProtocolError($"the response body is longer than its content-length ({declared})");
        }

        WriteToPipe(data);
    }

    private void WriteToPipe(ReadOnlySpan<byte> data)
    {
        PipeCopy.Write(Context.Response.BodyWriter, data);
        _written += data.Length;
    }

    /// <summary>The last body message: Kestrel ends the response while the app may still run (background tasks).</summary>
    private void CompleteResponse()
    {
        _complete = true;
        if (!_noBody && _declaredLength is { } declared && _written < declared)
        {
            // The client cannot know where the response ends: close after it.
            Log.ContentLengthMismatch(Logger, Method, Target, "shorter", declared, _written);
            _complete = false;
            AbortAfterFlush();
            _complete = true;
        }
        else if (Context.Response.HasStarted)
        {
            // Earlier chunks were flushed: Kestrel does not flush the tail of a Content-Length
            // response when the request ends (measured: it sat in the pipe until the connection
            // timed out), so the last bytes go out here.
            FlushThenSettle();
        }
        else
        {
            Settle(ok: true);
        }

        // uvicorn's rule: once the response is complete a waiting receive() returns http.disconnect.
        ResolvePendingReceiveWithDisconnect();
    }

    private void FlushThenSettle()
    {
        try
        {
            var flush = Context.Response.BodyWriter.FlushAsync();
            if (!flush.IsCompleted)
            {
                _ = flush.AsTask().ContinueWith(
                    static (_, state) => ((AsgiHttpRequest)state!).Post(FinalFlushDoneEvent), this,
                    CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                return;
            }
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or OperationCanceledException)
        {
            // The client is gone; Kestrel closes the connection.
        }

        Settle(ok: true);
    }

    /// <summary>A streamed chunk goes out now: send() completes at once unless the client is slow, and then waits for it.</summary>
    private PyRef Flush()
    {
        ValueTask<FlushResult> flush;
        try
        {
            flush = Context.Response.BodyWriter.FlushAsync();
            if (flush.IsCompleted)
            {
                var result = flush.Result;
                if (result.IsCompleted || result.IsCanceled)
                {
                    _disconnected = true;
                    throw ClientGone();
                }

                return App.Loop.DoneNone.NewRef();
            }
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or OperationCanceledException)
        {
            _disconnected = true;
            throw ClientGone();
        }

        _flushPending = true;
        _pendingSend = App.Loop.CreateFuture();
        _ = AwaitFlush(flush);
        return _pendingSend.Borrow().NewRef();
    }

    private async Task AwaitFlush(ValueTask<FlushResult> flush)
    {
        try
        {
            var result = await flush.ConfigureAwait(false);
            _flushFailed = result.IsCompleted || result.IsCanceled;
        }
        catch (Exception)
        {
            _flushFailed = true;
        }

        Post(FlushDoneEvent);
    }

    private void OnFlushDone()
    {
        _flushPending = false;
        if (_finished)
        {
            return;
        }

        if (_flushFailed)
        {
            _disconnected = true;
            using var error = ClientGoneError();
            App.Loop.Fail(_pendingSend.Borrow(), error.Borrow());
        }
        else
        {
            App.Loop.Resolve(_pendingSend.Borrow(), Py.None);
        }
    }

    /// <summary>http.response.pathsend (ASGI extension): .NET sends the file; its bytes never pass through Python.</summary>
    private PyRef SendPath(PyBorrowed message)
    {
        if (!_started || _headersSent)
        {
            throw ProtocolError(_started ? "http.response.pathsend after body messages" : "http.response.pathsend sent before http.response.start");
        }

        var path = Py.GetItem(message, AsgiNames.Path.Borrow());
        if (path.IsNull || !Py.IsStr(path))
        {
            throw ProtocolError("http.response.pathsend needs a 'path' string", PyErrorKind.TypeError);
        }

        var file = new FileInfo(PyStr.ToStringLossy(path));
        if (!file.Exists)
        {
            throw new PyRaiseException(PyErrorKind.OSError, $"no such file: {file.FullName}");
        }

        SendHeaders(file.Length);
        if (_noBody)
        {
            CompleteResponse();
            return App.Loop.DoneNone.NewRef();
        }

        var length = _declaredLength ?? file.Length;
        _flushPending = true;
        _pendingSend = App.Loop.CreateFuture();
        _ = SendFileInBackground(file.FullName, Math.Min(length, file.Length));
        return _pendingSend.Borrow().NewRef();
    }

    private async Task SendFileInBackground(string path, long length)
    {
        try
        {
            await Context.Response.SendFileAsync(path, 0, length).ConfigureAwait(false);
            _written += length;
        }
        catch (Exception e)
        {
            _fileError = e;
        }

        Post(FileSentEvent);
    }

    private void OnFileSent()
    {
        _flushPending = false;
        if (_finished)
        {
            return;
        }

        if (_fileError is not null)
        {
            _disconnected = true;
            using var exception = ClientGoneError();
            App.Loop.Fail(_pendingSend.Borrow(), exception.Borrow());
            return;
        }

        CompleteResponse();
        App.Loop.Resolve(_pendingSend.Borrow(), Py.None);
    }
}
