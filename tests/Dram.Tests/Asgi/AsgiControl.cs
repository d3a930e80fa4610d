using System.Security.Cryptography;
using System.Text.Json;
using Dram.Tests.Support;

namespace Dram.Tests.Asgi;

/// <summary>
/// Helpers for the ASGI tests on top of <see cref="AppControl"/>: the ASGI fixture apps
/// (tests/apps/asgi_*.py, through asgi_test_support.py) serve the same /_release and /_records routes.
/// </summary>
internal static class AsgiControl
{
    /// <summary>Polls the records under <paramref name="id"/> until <paramref name="done"/> holds; returns them (the caller asserts).</summary>
    public static async Task<List<string>> WaitForRecordsAsync(
        this HttpClient http, string baseUrl, string id, Func<List<string>, bool> done, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            var records = await http.RecordsAsync(baseUrl, id).ConfigureAwait(false);
            if (done(records) || DateTime.UtcNow > deadline)
            {
                return records;
            }

            await Task.Delay(20).ConfigureAwait(false);
        }
    }

    /// <summary>Bad input must never kill the server: a plain request afterwards still gets its answer.</summary>
    public static async Task AssertStillServesAsync(this HttpClient http, string baseUrl, string path = "/ok", string expected = "ok")
    {
        using var response = await http.GetAsync(new Uri(baseUrl + path)).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
        Assert.True(response.IsSuccessStatusCode && body == expected, $"after the bad request, GET {path} gave {(int)response.StatusCode} {body}");
    }

    public static string Sha256(byte[] data) => Convert.ToHexStringLower(SHA256.HashData(data));

    /// <summary>Bytes that are not all alike, so a reordered or repeated chunk changes the hash.</summary>
    public static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>The strings of a JSON array.</summary>
    public static List<string> Strings(this JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString()!)];
}
