using System.IO.Pipelines;
using Dram.Python;
using Microsoft.AspNetCore.Http;

namespace Dram.Server.Asgi;

/// <summary>
/// Refusing the handshake: websocket.close before websocket.accept (403, ASGI "Close - send event")
/// and the "WebSocket Denial Response" extension (websocket.http.response.start/body), whose
/// HTTP response goes out instead of the 101. The request then ends like any HTTP request.
/// </summary>
internal sealed partial class AsgiWebSocket
{
    private int _denialStatus;
    private List<(string Name, string Value)> _denialHeaders = [];
    private bool _denialHeadersSent;

    /// <summary>A bodiless refusal (403 for a close before accept, as uvicorn; also when the app ends first).</summary>
    private void Refuse(int status)
    {
        _phase = Phase.Refused;
        if (!Context.Response.HasStarted)
        {
            Context.Response.Headers.Clear();
            Context.Response.StatusCode = status;
            Context.Response.ContentLength = 0;
        }

        Refused();
    }

    /// <summary>The HTTP answer is complete: Kestrel may end it while the app goes on; the app hears websocket.disconnect (1006, as uvicorn).</summary>
    private void Refused()
    {
        _phase = Phase.Refused;
        _abortRegistration.Dispose();
        Disconnected(AbnormalClosure, "");
        Complete();
    }

    /// <summary>websocket.http.response.start {status, headers}: kept until the first body message.</summary>
    private PyRef StartDenial(PyBorrowed message)
    {
        if (_phase != Phase.Handshake)
        {
            throw ProtocolError(_phase == Phase.Responding || _phase == Phase.Refused
                ? "websocket.http.response.start sent twice, or after websocket.close"
                : "websocket.http.response.start after websocket.accept");
        }

        var status = Py.GetItem(message, AsgiNames.Status.Borrow());
        if (status.IsNull || !Py.IsInt(status))
        {
            throw ProtocolError("websocket.http.response.start needs an integer 'status'", PyErrorKind.TypeError);
        }

        var code = Py.AsLong(status);
        if (code is < 200 or > 999)
        {
            throw ProtocolError($"status {code} cannot refuse a WebSocket handshake", PyErrorKind.ValueError);
        }

        _denialHeaders = ReadEndToEndHeaders(message, "websocket.http.response.start");
        _denialStatus = (int)code;
        _phase = Phase.Responding;
        return App.Loop.DoneNone.NewRef();
    }

    /// <summary>websocket.http.response.body {body, more_body}: written into Kestrel's pipe, flushed per chunk.</summary>
    private PyRef DenialBody(PyBorrowed message)
    {
        if (_phase != Phase.Responding)
        {
            throw ProtocolError("websocket.http.response.body without websocket.http.response.start before it");
        }

        var body = Py.GetItem(message, AsgiNames.Body.Borrow());
        ReadOnlySpan<byte> data = default;
        if (!body.IsNull && !PyBytes.TryGetSpan(body, out data))
        {
            throw ProtocolError($"websocket.http.response.body 'body' must be bytes, not {Py.StrOrRepr(Py.TypeOfObject(body))}", PyErrorKind.TypeError);
        }

        var moreBody = Py.GetItem(message, AsgiNames.MoreBody.Borrow());
        var more = !moreBody.IsNull && Py.IsTrue(moreBody);
        if (_disconnectCode is not null)
        {
            throw ClientGone();
        }

        var response = Context.Response;
        if (!_denialHeadersSent)
        {
            _denialHeadersSent = true;
            response.StatusCode = _denialStatus;
            foreach (var (name, value) in _denialHeaders)
            {
                response.Headers.Append(name, value);
            }

            if (!more && response.ContentLength is null)
            {
                // One body message: Dram knows the length, so the answer need not be chunked.
                response.ContentLength = data.Length;
            }
        }

        var writer = response.BodyWriter;
        if (!data.IsEmpty)
        {
            data.CopyTo(writer.GetSpan(data.Length));
            writer.Advance(data.Length);
        }

        if (!more)
        {
            Refused();
            return App.Loop.DoneNone.NewRef();
        }

        ValueTask<FlushResult> flush;
        try
        {
            flush = writer.FlushAsync();
            if (flush.IsCompletedSuccessfully)
            {
                var result = flush.Result;
                return result.IsCompleted || result.IsCanceled ? throw ClientGone() : App.Loop.DoneNone.NewRef();
            }
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or OperationCanceledException)
        {
            throw ClientGone();
        }

        var operation = SendOperation.Flush(this);
        var future = App.Loop.CreateFuture();
        operation.Future = future.Borrow().NewRef();
        _ = AwaitFlushAsync(flush, operation);
        return future;
    }

    /// <summary>A .NET thread: a slow client's flush finished; the loop completes the app's send().</summary>
    private async Task AwaitFlushAsync(ValueTask<FlushResult> flush, SendOperation operation)
    {
        try
        {
            var result = await flush.ConfigureAwait(false);
            operation.Failed = result.IsCompleted || result.IsCanceled;
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or OperationCanceledException)
        {
            operation.Failed = true;
        }

        App.Loop.Post(operation);
    }
}
