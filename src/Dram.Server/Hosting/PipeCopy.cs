using System.IO.Pipelines;

namespace Dram.Server.Hosting;

/// <summary>Copying an app's body bytes into Kestrel's response pipe, for the WSGI and ASGI responses alike.</summary>
internal static class PipeCopy
{
    /// <summary>The most asked of the pipe at once: a larger body goes in several spans.</summary>
    public const int MaxSpan = 64 * 1024;

    /// <summary>Copies all of <paramref name="data"/> into <paramref name="writer"/>; flushing is the caller's.</summary>
    public static void Write(PipeWriter writer, ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            var span = writer.GetSpan(Math.Min(data.Length, MaxSpan));
            var n = Math.Min(span.Length, data.Length);
            data[..n].CopyTo(span);
            writer.Advance(n);
            data = data[n..];
        }
    }
}
