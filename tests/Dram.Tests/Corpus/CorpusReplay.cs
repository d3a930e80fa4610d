using System.Text;
using System.Text.Json;
using Dram.Tests.Support;

namespace Dram.Tests.Corpus;

/// <summary>How the server treated one replayed corpus case.</summary>
public enum Verdict
{
    /// <summary>Every request answered 200 with exactly the expected environ and body.</summary>
    Accepted,

    /// <summary>Answered 200, but the environ differs from the expectation only where Kestrel changes it (see the detail).</summary>
    AcceptedChanged,

    /// <summary>Answered 200 with an environ or body that differs from the expectation.</summary>
    WrongEnviron,

    /// <summary>Answered a 4xx and closed the connection, or closed without an answer.</summary>
    Rejected,

    /// <summary>Answered 505 HTTP Version Not Supported and closed the connection.</summary>
    Rejected505,

    /// <summary>Answered a 4xx but kept the connection open.</summary>
    RejectedKeptOpen,

    /// <summary>Neither answered nor closed: the server waits for the rest of the request.</summary>
    Waits,

    /// <summary>Anything else (5xx, a time-out after a partial answer).</summary>
    Other,
}

public sealed record Outcome(Verdict Verdict, string Detail)
{
    public override string ToString() => $"{Verdict}: {Detail}";
}

/// <summary>Replays corpus cases over raw TCP to a live server serving tests/apps/corpus_echo.py.</summary>
public static class CorpusReplay
{
    /// <summary>How long a silent server is given before the client half-closes (or the case counts as waiting).</summary>
    private static readonly TimeSpan s_quiet = TimeSpan.FromSeconds(1.5);

    /// <summary>How long a server that answered 4xx has to close the connection (its keep-alive time-out is 5 s).</summary>
    private static readonly TimeSpan s_closeWithin = TimeSpan.FromSeconds(2);

    public static async Task<Outcome> ValidAsync(string baseUrl, CorpusCase c)
    {
        var host = RawConnection.HostOf(baseUrl);
        var (bytes, requests) = WithHost(c, host);
        await using var connection = await RawConnection.OpenAsync(baseUrl);
        await connection.SendAsync(bytes);

        var changes = new List<string>();
        for (var i = 0; i < requests.Count; i++)
        {
            if (!await connection.WaitForDataAsync(s_quiet))
            {
                return new(Verdict.Waits, $"no answer to request {i + 1} within {s_quiet.TotalSeconds} s, connection open");
            }

            RawResponse response;
            try
            {
                response = await connection.ReadResponseAsync();
            }
            catch (EndOfStreamException)
            {
                return new(Verdict.Rejected, $"closed without an answer to request {i + 1}");
            }

            if (response.StatusCode != 200)
            {
                return new(response.StatusCode is >= 400 and < 500 ? Verdict.Rejected : Verdict.Other, $"{response.StatusCode} to request {i + 1}");
            }

            var problems = Compare(requests[i], response.Body, changes);
            if (problems.Count > 0)
            {
                return new(Verdict.WrongEnviron, $"request {i + 1}: {string.Join("; ", problems)}");
            }
        }

        return changes.Count == 0 ? new(Verdict.Accepted, "ok") : new(Verdict.AcceptedChanged, string.Join("; ", changes));
    }

    public static async Task<Outcome> InvalidAsync(string baseUrl, CorpusCase c)
    {
        await using var connection = await RawConnection.OpenAsync(baseUrl);
        await connection.SendAsync(c.Bytes);
        var halfClosed = false;
        if (!await connection.WaitForDataAsync(s_quiet))
        {
            // An incomplete request: the server is right to wait. The end of input must then make it give up.
            connection.ShutdownSend();
            halfClosed = true;
        }

        var statuses = new List<int>();
        while (true)
        {
            RawResponse response;
            try
            {
                response = await connection.ReadResponseAsync();
            }
            catch (EndOfStreamException)
            {
                break;
            }
            catch (TimeoutException e)
            {
                return new(Verdict.Other, $"time-out after [{string.Join(",", statuses)}]: {e.Message}");
            }

            statuses.Add(response.StatusCode);
            if (response.StatusCode is (>= 400 and < 500) or 505)
            {
                try
                {
                    var rest = await connection.ReadToEndAsync(s_closeWithin);
                    return new(response.StatusCode == 505 ? Verdict.Rejected505 : Verdict.Rejected, $"{Describe(statuses, halfClosed)}, closed" + (rest.Length > 0 ? $" after {rest.Length} more bytes" : ""));
                }
                catch (TimeoutException)
                {
                    return new(Verdict.RejectedKeptOpen, $"{Describe(statuses, halfClosed)}, connection kept open");
                }
            }

            if (response.StatusCode != 200)
            {
                return new(Verdict.Other, Describe(statuses, halfClosed));
            }
        }

        return statuses.Count == 0
            ? new(Verdict.Rejected, halfClosed ? "closed without an answer after the client's end of input" : "closed without an answer")
            : new(Verdict.Accepted, Describe(statuses, halfClosed));
    }

    private static string Describe(List<int> statuses, bool halfClosed) =>
        string.Join(",", statuses) + (halfClosed ? " (after the client's end of input)" : "");

    /// <summary>
    /// RFC 9112 §3.2: an HTTP/1.1 request without Host must get 400, so (as the corpus README says)
    /// the replay adds one after the request line of each such request, and expects it in environ.
    /// </summary>
    private static (byte[] Bytes, List<CorpusRequest> Requests) WithHost(CorpusCase c, string host)
    {
        var bytes = c.Bytes.ToList();
        var requests = new List<CorpusRequest>();
        var from = 0;
        foreach (var request in c.Requests)
        {
            var line = Encoding.Latin1.GetBytes($"{request.Method} {request.RawTarget} {request.Protocol}\r\n");
            var at = IndexOf(bytes, line, from);
            if (request is { Major: 1, Minor: 1 } && !request.HasHeader("HOST"))
            {
                if (at < 0 && c.NeedsSettings)
                {
                    // Cases for other gunicorn settings may not parse as their JSON says (31compat): sent as they are.
                    requests.Add(request);
                    continue;
                }

                if (at < 0)
                {
                    throw new InvalidOperationException($"{c.Name}: cannot find the request line '{request.Method} {request.RawTarget} {request.Protocol}' to add Host after it");
                }

                var header = Encoding.Latin1.GetBytes($"Host: {host}\r\n");
                bytes.InsertRange(at + line.Length, header);
                requests.Add(request with { Headers = [.. request.Headers, new("HOST", host)] });
                from = at + line.Length + header.Length;
            }
            else
            {
                requests.Add(request);
                from = at < 0 ? from : at + line.Length;
            }
        }

        return ([.. bytes], requests);
    }

    private static int IndexOf(List<byte> haystack, byte[] needle, int from)
    {
        for (var i = from; i <= haystack.Count - needle.Length; i++)
        {
            var j = 0;
            while (j < needle.Length && haystack[i + j] == needle[j])
            {
                j++;
            }

            if (j == needle.Length)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>What environ must hold for <paramref name="request"/>, keyed as PEP 3333 and Dram name them.</summary>
    public static Dictionary<string, string> ExpectedEnviron(CorpusRequest request)
    {
        var expected = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["REQUEST_METHOD"] = request.Method,
            ["PATH_INFO"] = PercentDecodeLatin1(request.Path),
            ["QUERY_STRING"] = request.Query,
            ["SERVER_PROTOCOL"] = request.Protocol,
        };
        foreach (var (name, value) in request.Headers)
        {
            // Dram drops names with "_" (they could spoof CONTENT_LENGTH and friends).
            if (name.Contains('_', StringComparison.Ordinal))
            {
                continue;
            }

            var key = name switch
            {
                "CONTENT-TYPE" => "CONTENT_TYPE",
                "CONTENT-LENGTH" => "CONTENT_LENGTH",
                _ => "HTTP_" + name.Replace('-', '_'),
            };
            expected[key] = expected.TryGetValue(key, out var earlier)
                ? earlier + (name == "COOKIE" ? "; " : ",") + value
                : value;
        }

        return expected;
    }

    /// <summary>The corpus path is still percent-encoded; Dram's PATH_INFO is its bytes decoded, read as latin-1.</summary>
    public static string PercentDecodeLatin1(string path)
    {
        var bytes = new List<byte>(path.Length);
        for (var i = 0; i < path.Length; i++)
        {
            if (path[i] == '%' && i + 2 < path.Length && Uri.IsHexDigit(path[i + 1]) && Uri.IsHexDigit(path[i + 2]))
            {
                bytes.Add(Convert.ToByte(path.Substring(i + 1, 2), 16));
                i += 2;
            }
            else
            {
                bytes.Add((byte)path[i]);
            }
        }

        return Encoding.Latin1.GetString([.. bytes]);
    }

    /// <summary>Differences between the echo app's answer and the expectation; Kestrel's known changes go to <paramref name="changes"/>.</summary>
    private static List<string> Compare(CorpusRequest request, byte[] body, List<string> changes)
    {
        using var json = JsonDocument.Parse(body);
        var actual = json.RootElement.GetProperty("environ").EnumerateObject()
            .Where(p => p.Value.ValueKind == JsonValueKind.String)
            .ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.Ordinal);
        var expected = ExpectedEnviron(request);
        var problems = new List<string>();
        foreach (var key in expected.Keys.Union(actual.Keys).Order(StringComparer.Ordinal))
        {
            var want = expected.GetValueOrDefault(key);
            var got = actual.GetValueOrDefault(key);
            if (want == got || (key.StartsWith("CONTENT_", StringComparison.Ordinal) && string.IsNullOrEmpty(want) && string.IsNullOrEmpty(got)))
            {
                continue;
            }

            // Kestrel lower-cases the Connection header's tokens before Dram sees them.
            if (key == "HTTP_CONNECTION" && want is not null && want.Equals(got, StringComparison.OrdinalIgnoreCase))
            {
                changes.Add($"Connection '{want}' arrives as '{got}'");
                continue;
            }

            problems.Add($"{key}: want {Show(want)}, got {Show(got)}");
        }

        var gotBody = Convert.FromBase64String(json.RootElement.GetProperty("body_b64").GetString()!);
        if (!gotBody.AsSpan().SequenceEqual(request.Body))
        {
            problems.Add($"body: want {request.Body.Length} bytes {Show(Encoding.Latin1.GetString(request.Body))}, got {gotBody.Length} bytes {Show(Encoding.Latin1.GetString(gotBody))}");
        }

        return problems;
    }

    private static string Show(string? value) =>
        value is null ? "(absent)" : JsonSerializer.Serialize(value.Length > 80 ? value[..80] + "..." : value);
}
