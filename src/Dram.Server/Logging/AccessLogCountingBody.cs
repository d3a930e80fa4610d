using System.IO.Pipelines;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Dram.Server.Logging;

/// <summary>
/// Counts the response body bytes for the access log's B and b atoms (Kestrel keeps no counter it
/// exposes): the response body feature is replaced, for one request, by this one, whose
/// <see cref="PipeWriter"/> forwards to Kestrel's and counts what is advanced or written, and
/// whose SendFileAsync counts the file range sent. Dram writes responses only through these two;
/// <see cref="Stream"/> is Kestrel's own and is not counted. The count is what the app handed to
/// Kestrel, before chunked framing (gunicorn's <c>resp.sent</c> counts the same).
/// </summary>
internal sealed class AccessLogCountingBody : PipeWriter, IHttpResponseBodyFeature
{
    private readonly IHttpResponseBodyFeature _inner;
    private readonly PipeWriter _writer;

    private AccessLogCountingBody(IHttpResponseBodyFeature inner)
    {
        _inner = inner;
        _writer = inner.Writer;
    }

    /// <summary>Body bytes handed to Kestrel so far.</summary>
    public long Written { get; private set; }

    public static AccessLogCountingBody? Install(HttpContext context)
    {
        if (context.Features.Get<IHttpResponseBodyFeature>() is not { } inner)
        {
            return null;
        }

        var counting = new AccessLogCountingBody(inner);
        context.Features.Set<IHttpResponseBodyFeature>(counting);
        return counting;
    }

    public void Uninstall(HttpContext context) => context.Features.Set(_inner);

    // IHttpResponseBodyFeature
    public Stream Stream => _inner.Stream;

    public PipeWriter Writer => this;

    public void DisableBuffering() => _inner.DisableBuffering();

    public Task StartAsync(CancellationToken cancellationToken = default) => _inner.StartAsync(cancellationToken);

    public async Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default)
    {
        await _inner.SendFileAsync(path, offset, count, cancellationToken).ConfigureAwait(false);
        Written += count ?? Math.Max(0, new FileInfo(path).Length - offset);
    }

    public Task CompleteAsync() => _inner.CompleteAsync();

    // PipeWriter
    public override void Advance(int bytes)
    {
        _writer.Advance(bytes);
        Written += bytes;
    }

    public override Memory<byte> GetMemory(int sizeHint = 0) => _writer.GetMemory(sizeHint);

    public override Span<byte> GetSpan(int sizeHint = 0) => _writer.GetSpan(sizeHint);

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default) => _writer.FlushAsync(cancellationToken);

    public override ValueTask<FlushResult> WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default)
    {
        Written += source.Length;
        return _writer.WriteAsync(source, cancellationToken);
    }

    public override void CancelPendingFlush() => _writer.CancelPendingFlush();

    public override bool CanGetUnflushedBytes => _writer.CanGetUnflushedBytes;

    public override long UnflushedBytes => _writer.UnflushedBytes;

    public override void Complete(Exception? exception = null) => _writer.Complete(exception);

    public override ValueTask CompleteAsync(Exception? exception = null) => _writer.CompleteAsync(exception);
}
