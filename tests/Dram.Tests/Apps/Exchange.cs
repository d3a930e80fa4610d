using System.Text;
using System.Text.Json;

namespace Dram.Tests.Apps;

/// <summary>One response, read completely: status, every header (names lower-cased), body bytes.</summary>
public sealed record Captured(string Authority, int Status, string? Reason, IReadOnlyList<KeyValuePair<string, string>> Headers, byte[] Body)
{
    /// <summary>The servers listen on different ports: their own host:port becomes "SERVER" so the two compare.</summary>
    public string Normalise(string text) => text.Replace(Authority, "SERVER", StringComparison.Ordinal);

    /// <summary>The body as latin-1 (every byte kept) with the server's host:port replaced.</summary>
    public string NormalisedBody => Normalise(Encoding.Latin1.GetString(Body));

    public string Text => Encoding.UTF8.GetString(Body);

    public JsonElement Json => JsonDocument.Parse(Body).RootElement.Clone();

    public string? Header(string name) => Headers.FirstOrDefault(h => h.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).Value;

    public IEnumerable<string> All(string name) => Headers.Where(h => h.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value);

    public override string ToString() =>
        $"{Status} {Reason}\n{string.Join('\n', Headers.Select(h => $"{h.Key}: {h.Value}"))}\n\n{(Body.Length > 600 ? Text[..600] + "..." : Text)}";
}

/// <summary>Sends one request to Dram and to gunicorn and compares the answers.</summary>
public static class Exchange
{
    /// <summary>
    /// Headers that legitimately differ between the two servers: Date (time), Server (gunicorn
    /// names itself, Dram sends none), Connection (gunicorn's sync worker closes every connection
    /// and says so; Dram keeps it alive).
    /// </summary>
    public static readonly IReadOnlySet<string> ServerOwnedHeaders = new HashSet<string>(StringComparer.Ordinal)
    {
        "date", "server", "connection", "keep-alive",
    };

    public static async Task<Captured> SendAsync(HttpClient http, HttpRequestMessage request)
    {
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead).ConfigureAwait(false);
        var headers = response.Headers.Concat(response.Content.Headers)
            .SelectMany(h => h.Value.Select(v => new KeyValuePair<string, string>(h.Key.ToLowerInvariant(), v)))
            .ToList();
        var body = await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
        return new Captured(request.RequestUri!.Authority, (int)response.StatusCode, response.ReasonPhrase, headers, body);
    }

    /// <summary>The same request (built per server from its base URL) to both; Dram's answer first.</summary>
    public static async Task<(Captured Dram, Captured Gunicorn)> BothAsync(
        HttpClient http, string dramUrl, string gunicornUrl, Func<string, HttpRequestMessage> request)
    {
        using var toDram = request(dramUrl);
        using var toGunicorn = request(gunicornUrl);
        var dram = await SendAsync(http, toDram).ConfigureAwait(false);
        var gunicorn = await SendAsync(http, toGunicorn).ConfigureAwait(false);
        return (dram, gunicorn);
    }

    public static Task<(Captured Dram, Captured Gunicorn)> GetBothAsync(HttpClient http, string dramUrl, string gunicornUrl, string pathAndQuery) =>
        BothAsync(http, dramUrl, gunicornUrl, url => new HttpRequestMessage(HttpMethod.Get, new Uri(url + pathAndQuery)));

    /// <summary>
    /// Both answers carry the same status (reason phrase included: both send the app's) and the same headers (names and values, in any order),
    /// apart from <see cref="ServerOwnedHeaders"/> and <paramref name="alsoIgnore"/>.
    /// </summary>
    public static void AssertSameHead(Captured dram, Captured gunicorn, params string[] alsoIgnore)
    {
        Assert.True(dram.Status == gunicorn.Status && dram.Reason == gunicorn.Reason, $"status: Dram {dram.Status} {dram.Reason}, gunicorn {gunicorn.Status} {gunicorn.Reason}\n--- Dram ---\n{dram}\n--- gunicorn ---\n{gunicorn}");
        var ignore = new HashSet<string>(ServerOwnedHeaders.Concat(alsoIgnore.Select(n => n.ToLowerInvariant())));
        static List<string> Comparable(Captured c, HashSet<string> ignore) =>
            [.. c.Headers.Where(h => !ignore.Contains(h.Key)).Select(h => c.Normalise($"{h.Key}: {h.Value}")).Order(StringComparer.Ordinal)];
        Assert.Equal(Comparable(gunicorn, ignore), Comparable(dram, ignore));
    }

    /// <summary><see cref="AssertSameHead"/> and identical bodies, byte for byte apart from each server's host:port.</summary>
    public static void AssertSame(Captured dram, Captured gunicorn, params string[] alsoIgnore)
    {
        AssertSameHead(dram, gunicorn, alsoIgnore);
        Assert.True(dram.NormalisedBody == gunicorn.NormalisedBody, $"bodies differ\n--- Dram ---\n{dram}\n--- gunicorn ---\n{gunicorn}");
    }
}
