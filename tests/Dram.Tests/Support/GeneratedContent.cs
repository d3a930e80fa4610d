using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;

namespace Dram.Tests.Support;

/// <summary>A body generated on the fly from one reused buffer, hashed as it is sent.</summary>
public sealed class GeneratedContent : HttpContent
{
    private readonly long _length;
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    public GeneratedContent(long length)
    {
        _length = length;
        Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        Headers.ContentLength = length;
    }

    public string Sha256 => Convert.ToHexStringLower(_hash.GetCurrentHash());

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
    {
        var block = new byte[1024 * 1024];
        new Random(1234).NextBytes(block);
        for (long sent = 0; sent < _length; sent += block.Length)
        {
            var size = (int)Math.Min(block.Length, _length - sent);
            block[0] = (byte)(sent / (1024 * 1024)); // every block differs a little
            _hash.AppendData(block, 0, size);
            await stream.WriteAsync(block.AsMemory(0, size)).ConfigureAwait(false);
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = _length;
        return true;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _hash.Dispose();
        }

        base.Dispose(disposing);
    }
}
