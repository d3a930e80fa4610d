using System.Globalization;
using Dram.Tests.Support;

namespace Dram.Tests.StaticFiles;

/// <summary>Requests the --static tests share: a raw request with an exact target, and the counting app's call count.</summary>
internal static class StaticRequests
{
    /// <summary>Sends <paramref name="target"/> byte for byte (HttpClient would normalise it) and reads the answer.</summary>
    public static async Task<RawResponse> RawAsync(string url, string target, string method = "GET", params string[] headers)
    {
        await using var connection = await RawConnection.OpenAsync(url);
        var extra = string.Concat(headers.Select(h => h + "\r\n"));
        await connection.SendAsync($"{method} {target} HTTP/1.1\r\nHost: {RawConnection.HostOf(url)}\r\n{extra}Connection: close\r\n\r\n");
        return await connection.ReadResponseAsync(forHead: method == "HEAD");
    }

    /// <summary>How many times the counting app has run, this request included (static_counter.py).</summary>
    public static async Task<int> AppCallsAsync(HttpClient http, string url)
    {
        var body = await http.GetStringAsync(url + "/count");
        return int.Parse(body[(body.LastIndexOf('=') + 1)..], CultureInfo.InvariantCulture);
    }
}
