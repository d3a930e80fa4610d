using System.IO.Compression;
using System.Text;
using Dram.Server.Hosting;
using Dram.Tests.Support;

namespace Dram.Tests.StaticFiles;

/// <summary>
/// A directory tree for the --static tests, built fresh in a temporary directory:
/// <c>public/</c> is served at /static, <c>deep/</c> at /static/deep; <c>secret.txt</c> lies next
/// to <c>public/</c> and must never be served; <c>public/</c> holds real brotli and gzip siblings,
/// a directory, and symlinks leading inside and outside.
/// </summary>
internal sealed class StaticSite : IDisposable
{
    public const string Secret = "TOP SECRET, never served";

    public static readonly string Script = "console.log('served by dram, not by Python');\n" + string.Concat(Enumerable.Repeat("// padding so compression pays\n", 40));

    public static readonly byte[] Numbers = [.. Enumerable.Range(0, 100).Select(i => (byte)i)];

    /// <summary>Several of the server's 64 KiB read blocks, no two alike.</summary>
    public static readonly byte[] Large = [.. Enumerable.Range(0, (1 << 20) + 12345).Select(i => (byte)(i * 31 / 7))];

    public StaticSite()
    {
        Root = Directory.CreateTempSubdirectory("dram-static-").FullName;
        Public = Directory.CreateDirectory(Path.Combine(Root, "public")).FullName;
        var deep = Directory.CreateDirectory(Path.Combine(Root, "deep")).FullName;
        File.WriteAllText(Path.Combine(Root, "secret.txt"), Secret);
        File.WriteAllText(Path.Combine(Public, "app.js"), Script);
        File.WriteAllBytes(Path.Combine(Public, "app.js.br"), Brotli(Script));
        File.WriteAllBytes(Path.Combine(Public, "app.js.gz"), Gzip(Script));
        File.WriteAllText(Path.Combine(Public, "only-gzip.css"), "body { color: red }");
        File.WriteAllBytes(Path.Combine(Public, "only-gzip.css.gz"), Gzip("body { color: red }"));
        File.WriteAllBytes(Path.Combine(Public, "numbers.bin"), Numbers);
        File.WriteAllBytes(Path.Combine(Public, "large.bin"), Large);
        File.WriteAllText(Path.Combine(Public, "plain.txt"), "plain text");
        File.WriteAllText(Path.Combine(Public, "caf\u00e9 menu.txt"), "non-ASCII name");
        Directory.CreateDirectory(Path.Combine(Public, "sub"));
        File.WriteAllText(Path.Combine(Public, "sub", "index.html"), "<p>sub</p>");
        File.WriteAllText(Path.Combine(deep, "x.txt"), "from deep");
        File.CreateSymbolicLink(Path.Combine(Public, "inside-link.txt"), "plain.txt");
        File.CreateSymbolicLink(Path.Combine(Public, "outside-link.txt"), "../secret.txt");
        File.CreateSymbolicLink(Path.Combine(Public, "absolute-link.txt"), Path.Combine(Root, "secret.txt"));
        Directory.CreateSymbolicLink(Path.Combine(Public, "up"), "..");
        Directory.CreateSymbolicLink(Path.Combine(Public, "etc"), "/etc");
    }

    public string Root { get; }

    public string Public { get; }

    public string Deep => Path.Combine(Root, "deep");

    public static byte[] Brotli(string text)
    {
        using var output = new MemoryStream();
        using (var brotli = new BrotliStream(output, CompressionLevel.Optimal))
        {
            brotli.Write(Encoding.UTF8.GetBytes(text));
        }

        return output.ToArray();
    }

    public static byte[] Gzip(string text)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal))
        {
            gzip.Write(Encoding.UTF8.GetBytes(text));
        }

        return output.ToArray();
    }

    /// <summary>A server for <paramref name="app"/> with /static and /static/deep served from this site.</summary>
    public Task<OwnServer> StartAsync(PythonFixture python, string app) => OwnServer.StartAsync(python, app, options =>
    {
        options.Statics.Add(new StaticRoute("/static", Public));
        options.Statics.Add(new StaticRoute("/static/deep", Deep));
    });

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
