using System.Text.Json;

namespace Dram.Tests.Apps;

/// <summary>JSON equality that ignores the order of object members (arrays keep theirs).</summary>
public static class JsonCompare
{
    /// <summary>
    /// Parses both texts and asserts they hold the same values. Member order is not compared:
    /// httpbin lists request headers in the order the server's environ has them, and that order
    /// is the server's business (PEP 3333's environ is a dict).
    /// </summary>
    public static void AssertEquivalent(string expected, string actual)
    {
        using var a = JsonDocument.Parse(expected);
        using var b = JsonDocument.Parse(actual);
        Assert.True(Same(a.RootElement, b.RootElement), $"JSON differs\n--- expected (gunicorn) ---\n{expected}\n--- actual (Dram) ---\n{actual}");
    }

    private static bool Same(JsonElement a, JsonElement b)
    {
        if (a.ValueKind != b.ValueKind)
        {
            return false;
        }

        switch (a.ValueKind)
        {
            case JsonValueKind.Object:
                var left = a.EnumerateObject().ToDictionary(p => p.Name, p => p.Value, StringComparer.Ordinal);
                var right = b.EnumerateObject().ToDictionary(p => p.Name, p => p.Value, StringComparer.Ordinal);
                return left.Count == right.Count && left.All(p => right.TryGetValue(p.Key, out var v) && Same(p.Value, v));
            case JsonValueKind.Array:
                return a.GetArrayLength() == b.GetArrayLength() && a.EnumerateArray().Zip(b.EnumerateArray()).All(p => Same(p.First, p.Second));
            default:
                return a.GetRawText() == b.GetRawText();
        }
    }
}
