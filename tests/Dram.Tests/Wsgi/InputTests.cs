using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Dram.Tests.Support;

namespace Dram.Tests.Wsgi;

/// <summary>PEP 3333 "Input and Error Streams": wsgi.input (tests/apps/wsgi_input.py and wsgi_echo.py).</summary>
[Collection(UsesPython.Name)]
public sealed class InputTests(PythonFixture python)
{
    private const string App = "wsgi_input:app";

    private static byte[] Pattern(int length)
    {
        var bytes = new byte[length];
        for (var i = 0; i < length; i++)
        {
            bytes[i] = (byte)(i * 7 % 251);
        }

        return bytes;
    }

    private static string Sha256(byte[] data) => Convert.ToHexStringLower(SHA256.HashData(data));

    private async Task<JsonElement> PostAsync(string target, byte[] body)
    {
        var url = await python.UrlAsync(App);
        using var content = new ByteArrayContent(body);
        using var response = await python.Http.PostAsync(new Uri(url + target), content);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{target}: {(int)response.StatusCode} {text}");
        return AppControl.Json(text);
    }

    private static List<string> Lines(JsonElement result, string name = "lines") =>
        result.GetProperty(name).EnumerateArray().Select(e => e.GetString()!).ToList();

    [Fact]
    public async Task Read_WithSize_ReturnsAtMostSizeThenEmpty()
    {
        var body = Pattern(10_000);
        var result = await PostAsync("/read-n?n=1000", body);

        var sizes = result.GetProperty("sizes").EnumerateArray().Select(e => e.GetInt32()).ToList();
        Assert.All(sizes, size => Assert.InRange(size, 1, 1000));
        Assert.Equal(body.Length, sizes.Sum());
        Assert.Equal(Sha256(body), result.GetProperty("sha256").GetString());
        Assert.Equal(0, result.GetProperty("after_eof").GetInt32());
    }

    [Fact]
    public async Task Read_WithoutSize_ReturnsWholeBody()
    {
        var body = Pattern(300_000);
        var result = await PostAsync("/read-all", body);

        Assert.Equal("bytes", result.GetProperty("type").GetString());
        Assert.Equal(body.Length, result.GetProperty("length").GetInt32());
        Assert.Equal(Sha256(body), result.GetProperty("sha256").GetString());
        Assert.Equal(0, result.GetProperty("after_eof").GetInt32());
    }

    [Fact]
    public async Task Readline_WithSize_SplitsLongLines()
    {
        var result = await PostAsync("/readline?n=4", Encoding.ASCII.GetBytes("abcdefghij\nxy\nlast"));
        Assert.Equal(["abcd", "efgh", "ij\n", "xy\n", "last"], Lines(result));
    }

    [Fact]
    public async Task Readline_WithoutSize_ReturnsWholeLines()
    {
        var result = await PostAsync("/readline", Encoding.ASCII.GetBytes("one\ntwo\n\nthree"));
        Assert.Equal(["one\n", "two\n", "\n", "three"], Lines(result));
    }

    [Fact]
    public async Task Readlines_NoHint_ReturnsAllLines()
    {
        var result = await PostAsync("/readlines", Encoding.Latin1.GetBytes("alpha\nb\u00e9ta\ngamma"));
        Assert.Equal(["alpha\n", "b\u00e9ta\n", "gamma"], Lines(result));
        Assert.Equal(string.Empty, result.GetProperty("rest").GetString());
    }

    [Fact]
    public async Task Iteration_OverInput_YieldsLines()
    {
        var text = string.Concat(Enumerable.Range(0, 2000).Select(i => $"line {i}\n"));
        var result = await PostAsync("/iter", Encoding.ASCII.GetBytes(text));
        var lines = Lines(result);
        Assert.Equal(2000, lines.Count);
        Assert.Equal("line 0\n", lines[0]);
        Assert.Equal("line 1999\n", lines[^1]);
        Assert.Equal(text, string.Concat(lines));
    }

    [Fact]
    public async Task ChunkedBody_ReadToEnd_InputTerminatedAndComplete()
    {
        var url = await python.UrlAsync("wsgi_echo:app");
        var body = Pattern(200_000);
        await using var connection = await RawConnection.OpenAsync(url);
        await connection.SendAsync(RawRequests.Request("POST", url, "/chunked", "Transfer-Encoding: chunked", "Content-Type: application/octet-stream"));
        for (var offset = 0; offset < body.Length; offset += 30_000)
        {
            var size = Math.Min(30_000, body.Length - offset);
            await connection.SendAsync($"{size:x}\r\n");
            await connection.SendAsync(body.AsMemory(offset, size));
            await connection.SendAsync("\r\n");
        }

        await connection.SendAsync("0\r\n\r\n");
        var response = await connection.ReadResponseAsync();

        Assert.Equal(200, response.StatusCode);
        var whole = AppControl.Json(response.BodyText);
        var environ = whole.GetProperty("environ");
        Assert.Equal(JsonValueKind.True, environ.GetProperty("wsgi.input_terminated").ValueKind);
        Assert.True(string.IsNullOrEmpty(environ.Str("CONTENT_LENGTH")), $"CONTENT_LENGTH={environ.Str("CONTENT_LENGTH")} for a chunked body");
        Assert.Equal(body.Length, whole.GetProperty("input").GetProperty("length").GetInt32());
        Assert.Equal(Sha256(body), whole.GetProperty("input").GetProperty("sha256").GetString());
    }

    [Fact]
    public async Task ChunkedBody_ReadWithoutSize_ReturnsWholeBody()
    {
        var url = await python.UrlAsync(App);
        var body = Pattern(70_000);
        await using var connection = await RawConnection.OpenAsync(url);
        await connection.SendAsync(RawRequests.Request("POST", url, "/read-all", "Transfer-Encoding: chunked"));
        await connection.SendAsync($"{body.Length:x}\r\n");
        await connection.SendAsync(body);
        await connection.SendAsync("\r\n0\r\n\r\n");
        var response = await connection.ReadResponseAsync();

        Assert.Equal(200, response.StatusCode);
        var result = AppControl.Json(response.BodyText);
        Assert.Equal(body.Length, result.GetProperty("length").GetInt32());
        Assert.Equal(Sha256(body), result.GetProperty("sha256").GetString());
    }

    [Fact]
    public async Task ExpectContinue_AppReads_100SentOnlyWhenAppReads()
    {
        var url = await python.UrlAsync(App);
        var id = AppControl.NewId();
        var from = python.Log.Position;
        await using var connection = await RawConnection.OpenAsync(url);
        await connection.SendAsync(RawRequests.Request("POST", url, $"/wait-then-read?id={id}", "Expect: 100-continue", "Content-Length: 11"));

        // The app has started and has not read yet: no interim response may have been sent.
        Assert.True(await python.Log.WaitForAsync($"dram-test waiting-before-read {id}", from), "the app never started");
        Assert.False(await connection.WaitForDataAsync(TimeSpan.FromMilliseconds(300)),
            "the server sent something before the app read wsgi.input");

        await python.Http.ReleaseAsync(url, id);
        var interim = await connection.ReadResponseAsync();
        Assert.Equal(100, interim.StatusCode);

        await connection.SendAsync("hello world");
        var final = await connection.ReadResponseAsync();
        Assert.Equal(200, final.StatusCode);
        var result = AppControl.Json(final.BodyText);
        Assert.Equal(11, result.GetProperty("length").GetInt32());
        Assert.True(result.GetProperty("released").GetBoolean());
    }

    [Fact]
    public async Task ExpectContinue_AppNeverReads_FinalResponseWithout100()
    {
        var url = await python.UrlAsync(App);
        await using var connection = await RawConnection.OpenAsync(url);
        await connection.SendAsync(RawRequests.Request("POST", url, "/never-read", "Expect: 100-continue", "Content-Length: 5"));

        var response = await connection.ReadResponseAsync();
        Assert.Equal(200, response.StatusCode);
        Assert.Equal("did not read", response.BodyText);
    }

    [Fact]
    public async Task ReadPastContentLength_ReturnsOnlyDeclaredBytes()
    {
        // Declared 5, then more bytes that belong to a second, pipelined request.
        var url = await python.UrlAsync(App);
        await using var connection = await RawConnection.OpenAsync(url);
        await connection.SendAsync(RawRequests.Request("POST", url, "/read-all", "Content-Length: 5") + "12345"
            + RawRequests.Request("POST", url, "/read-n?n=100", "Content-Length: 3") + "abc");

        var first = AppControl.Json((await connection.ReadResponseAsync()).BodyText);
        Assert.Equal(5, first.GetProperty("length").GetInt32());
        Assert.Equal(Sha256("12345"u8.ToArray()), first.GetProperty("sha256").GetString());

        var second = AppControl.Json((await connection.ReadResponseAsync()).BodyText);
        Assert.Equal(3, second.GetProperty("length").GetInt32());
    }
}
