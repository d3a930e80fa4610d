using System.Net.Http.Json;
using System.Text.Json;

namespace Dram.Tests.Support;

/// <summary>The control routes every test app shares (tests/apps/dram_test_support.py).</summary>
public static class AppControl
{
    /// <summary>A fresh id for events and records.</summary>
    public static string NewId() => Guid.NewGuid().ToString("N")[..16];

    /// <summary>Sets the event an app is waiting on.</summary>
    public static async Task ReleaseAsync(this HttpClient http, string baseUrl, string id)
    {
        using var response = await http.GetAsync(new Uri($"{baseUrl}/_release?id={id}")).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>What the app recorded under <paramref name="id"/>.</summary>
    public static async Task<List<string>> RecordsAsync(this HttpClient http, string baseUrl, string id) =>
        await http.GetFromJsonAsync<List<string>>(new Uri($"{baseUrl}/_records?id={id}")).ConfigureAwait(false) ?? [];

    /// <summary>Polls the records until one equals <paramref name="what"/>; returns them (the caller asserts).</summary>
    public static async Task<List<string>> WaitForRecordAsync(
        this HttpClient http, string baseUrl, string id, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            var records = await http.RecordsAsync(baseUrl, id).ConfigureAwait(false);
            if (records.Contains(what) || DateTime.UtcNow > deadline)
            {
                return records;
            }

            await Task.Delay(20).ConfigureAwait(false);
        }
    }

    /// <summary>The "environ" object of a wsgi_echo response body.</summary>
    public static JsonElement EchoEnviron(string body) => JsonDocument.Parse(body).RootElement.GetProperty("environ").Clone();

    /// <summary>The whole wsgi_echo response body.</summary>
    public static JsonElement Json(string body) => JsonDocument.Parse(body).RootElement.Clone();

    /// <summary>A string value of the environ, or null when the key is absent.</summary>
    public static string? Str(this JsonElement environ, string key) =>
        environ.TryGetProperty(key, out var value) ? value.ToString() : null;

    public static bool Has(this JsonElement environ, string key) => environ.TryGetProperty(key, out _);
}
