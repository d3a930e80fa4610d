using System.Text;
using System.Text.Json;
using Dram.Tests.Support;

namespace Dram.Tests.Corpus;

/// <summary>One request a valid corpus case expects the server to parse.</summary>
public sealed record CorpusRequest(
    string Method,
    string RawTarget,
    string Path,
    string Query,
    int Major,
    int Minor,
    IReadOnlyList<KeyValuePair<string, string>> Headers,
    byte[] Body)
{
    public string Protocol => $"HTTP/{Major}.{Minor}";

    public bool HasHeader(string name) => Headers.Any(h => h.Key.Equals(name, StringComparison.OrdinalIgnoreCase));
}

/// <summary>
/// One case of the shared HTTP request corpus (../shared/corpora/gunicorn-requests; its README
/// gives the format): the decoded bytes to send, and either the requests they must parse to
/// (valid) or the error they must cause (invalid).
/// </summary>
public sealed class CorpusCase
{
    public const string CorpusRelative = "shared/corpora/gunicorn-requests";

    private static readonly Lazy<string> s_root = new(FindRoot);

    private CorpusCase(string name, bool valid, byte[] bytes, IReadOnlyList<CorpusRequest> requests, string? error, string settings)
    {
        Name = name;
        Valid = valid;
        Bytes = bytes;
        Requests = requests;
        Error = error;
        Settings = settings;
    }

    /// <summary>"valid/012" or "invalid/chunked_03".</summary>
    public string Name { get; }

    public bool Valid { get; }

    /// <summary>The bytes to send, decoded from the .http file.</summary>
    public byte[] Bytes { get; }

    /// <summary>The requests a valid case parses to, in order (several when pipelined).</summary>
    public IReadOnlyList<CorpusRequest> Requests { get; }

    /// <summary>The gunicorn exception an invalid case expects.</summary>
    public string? Error { get; }

    /// <summary>The gunicorn settings the case needs, as JSON; empty when it needs none.</summary>
    public string Settings { get; }

    public bool NeedsSettings => Settings.Length > 0;

    /// <summary>The corpus directory: <c>shared/corpora/gunicorn-requests</c> beside the repository (or above it).</summary>
    public static string Root => s_root.Value;

    public static IReadOnlyList<CorpusCase> Load(bool valid)
    {
        var dir = Path.Combine(Root, valid ? "valid" : "invalid");
        return [.. Directory.GetFiles(dir, "*.http")
            .Order(StringComparer.Ordinal)
            .Select(path => FromFile(path, valid))];
    }

    private static CorpusCase FromFile(string httpPath, bool valid)
    {
        var name = (valid ? "valid/" : "invalid/") + System.IO.Path.GetFileNameWithoutExtension(httpPath);
        var jsonPath = System.IO.Path.ChangeExtension(httpPath, ".json");
        if (!File.Exists(jsonPath))
        {
            throw new InvalidOperationException($"corpus case {name} has no {System.IO.Path.GetFileName(jsonPath)}");
        }

        using var json = JsonDocument.Parse(File.ReadAllBytes(jsonPath));
        var root = json.RootElement;
        var settings = root.TryGetProperty("needs_gunicorn_settings", out var s) && s.ValueKind == JsonValueKind.Object
            && s.EnumerateObject().Any() ? JsonSerializer.Serialize(s) : string.Empty;
        var requests = valid ? [.. root.GetProperty("requests").EnumerateArray().Select(ParseRequest)] : Array.Empty<CorpusRequest>();
        var error = root.TryGetProperty("error", out var e) ? e.GetString() : null;
        return new CorpusCase(name, valid, Decode(File.ReadAllBytes(httpPath)), requests, error, settings);
    }

    private static CorpusRequest ParseRequest(JsonElement r)
    {
        var uri = r.GetProperty("uri");
        var version = r.GetProperty("version");
        var headers = r.GetProperty("headers").EnumerateArray()
            .Select(h => new KeyValuePair<string, string>(h[0].GetString()!, h[1].GetString()!))
            .ToList();
        var body = r.TryGetProperty("body", out var b) && b.ValueKind == JsonValueKind.Object
            ? Convert.FromBase64String(b.GetProperty("b64").GetString()!)
            : [];
        return new CorpusRequest(
            r.GetProperty("method").GetString()!,
            uri.GetProperty("raw").GetString()!,
            uri.GetProperty("path").GetString()!,
            uri.GetProperty("query").GetString()!,
            version[0].GetInt32(),
            version[1].GetInt32(),
            headers,
            body);
    }

    /// <summary>
    /// The corpus README's encoding: drop every real newline, then <c>\r\n</c>, <c>\0</c>,
    /// <c>\n</c>, <c>\t</c> and <c>\xHH</c> escapes become the bytes they name.
    /// </summary>
    public static byte[] Decode(byte[] file)
    {
        var output = new List<byte>(file.Length);
        for (var i = 0; i < file.Length; i++)
        {
            var c = file[i];
            if (c == (byte)'\n')
            {
                continue;
            }

            if (c != (byte)'\\' || i + 1 >= file.Length)
            {
                output.Add(c);
                continue;
            }

            switch ((char)file[i + 1])
            {
                case 'r' when i + 3 < file.Length && file[i + 2] == (byte)'\\' && file[i + 3] == (byte)'n':
                    output.Add((byte)'\r');
                    output.Add((byte)'\n');
                    i += 3;
                    break;
                case '0':
                    output.Add(0);
                    i++;
                    break;
                case 'n':
                    output.Add((byte)'\n');
                    i++;
                    break;
                case 't':
                    output.Add((byte)'\t');
                    i++;
                    break;
                case 'x' when i + 3 < file.Length:
                    output.Add(Convert.ToByte(Encoding.ASCII.GetString(file, i + 2, 2), 16));
                    i += 3;
                    break;
                default:
                    output.Add(c);
                    break;
            }
        }

        return [.. output];
    }

    /// <summary>
    /// The corpus sits beside the repository (CI clones it with ../shared next to it). Walks up
    /// from the repository root, and from where a symlinked Dram.slnx really lives, to the first
    /// directory holding <see cref="CorpusRelative"/>. Missing corpus is a failure, never a skip.
    /// </summary>
    private static string FindRoot()
    {
        var starts = new List<string> { RepoPaths.Root };
        var solution = new FileInfo(System.IO.Path.Combine(RepoPaths.Root, "Dram.slnx"));
        if (solution.ResolveLinkTarget(returnFinalTarget: true) is { } target)
        {
            starts.Add(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(target.FullName))!);
        }

        foreach (var start in starts)
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = System.IO.Path.Combine(dir.FullName, CorpusRelative);
                if (Directory.Exists(System.IO.Path.Combine(candidate, "valid")))
                {
                    return candidate;
                }
            }
        }

        throw new InvalidOperationException(
            $"the HTTP request corpus is missing: no {CorpusRelative}/valid in any directory above {string.Join(" or ", starts)}. " +
            "Clone the shared corpora beside the repository (../shared/corpora/gunicorn-requests).");
    }

    public override string ToString() => Name;
}
