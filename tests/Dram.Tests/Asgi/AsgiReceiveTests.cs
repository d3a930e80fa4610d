using System.Text;
using System.Text.Json;
using Dram.Tests.Support;

namespace Dram.Tests.Asgi;

/// <summary>
/// ASGI HTTP "Request - receive event" and "Disconnected Client - receive event": the body streamed
/// as http.request messages (tests/apps/asgi_echo.py reports each message's shape), and
/// http.disconnect once the response is complete or the client has gone (tests/apps/asgi_errors.py).
/// </summary>
[Collection(UsesPython.Name)]
[Trait("Interpreters", "all")]
public sealed class AsgiReceiveTests(PythonFixture python)
{
    private const string Echo = "asgi_echo:app";
    private const string Errors = "asgi_errors:app";

    private sealed record Message(string Type, string BodyType, int Length, bool MoreBody);

    private static List<Message> Messages(JsonElement echo) =>
        [.. echo.GetProperty("messages").EnumerateArray().Select(m => new Message(
            m.GetProperty("type").GetString()!, m.GetProperty("body_type").GetString()!,
            m.GetProperty("length").GetInt32(), m.GetProperty("more_body").GetBoolean()))];

    private static void AssertWellFormed(List<Message> messages, int length)
    {
        // Every message is http.request with a bytes body; more_body is true on all but the last.
        Assert.NotEmpty(messages);
        Assert.All(messages, m => Assert.Equal(("http.request", "bytes"), (m.Type, m.BodyType)));
        Assert.All(messages[..^1], m => Assert.True(m.MoreBody, $"more_body false before the end: {string.Join(", ", messages)}"));
        Assert.False(messages[^1].MoreBody, "the last message still says more_body");
        Assert.Equal(length, messages.Sum(m => m.Length));
    }

    [Fact]
    public async Task Receive_GetWithoutBody_OneEmptyFinalMessage()
    {
        var url = await python.UrlAsync(Echo);
        var echo = AppControl.Json(await python.Http.GetStringAsync(new Uri(url + "/empty")));

        Assert.Equal([new Message("http.request", "bytes", 0, false)], Messages(echo));
        Assert.Equal(0, echo.GetProperty("input").GetProperty("length").GetInt32());
    }

    [Fact]
    public async Task Receive_SmallPost_WholeBody()
    {
        var url = await python.UrlAsync(Echo);
        var body = Encoding.UTF8.GetBytes("name=value&other=é");
        using var content = new ByteArrayContent(body);
        using var response = await python.Http.PostAsync(new Uri(url + "/small"), content);
        var echo = AppControl.Json(await response.Content.ReadAsStringAsync());

        AssertWellFormed(Messages(echo), body.Length);
        Assert.Equal(AsgiControl.Sha256(body), echo.GetProperty("input").GetProperty("sha256").GetString());
    }

    [Fact]
    public async Task Receive_LargeUpload_SeveralChunksConcatenatingToTheBody()
    {
        // "body ... may be sent in several chunks": 3 MiB must not be one message (nothing is read
        // ahead of the app), and the pieces must add up to exactly what was sent.
        var url = await python.UrlAsync(Echo);
        var body = AsgiControl.RandomBytes(3 * 1024 * 1024 + 17, seed: 11);
        using var content = new ByteArrayContent(body);
        using var response = await python.Http.PostAsync(new Uri(url + "/upload"), content);
        var echo = AppControl.Json(await response.Content.ReadAsStringAsync());
        var messages = Messages(echo);

        AssertWellFormed(messages, body.Length);
        Assert.True(messages.Count > 1, "a 3 MiB body arrived in one message");
        Assert.Equal(body.Length, echo.GetProperty("input").GetProperty("length").GetInt32());
        Assert.Equal(AsgiControl.Sha256(body), echo.GetProperty("input").GetProperty("sha256").GetString());
    }

    [Fact]
    public async Task Receive_ChunkedRequestBody_DeChunkedInOrder()
    {
        var url = await python.UrlAsync(Echo);
        await using var connection = await RawConnection.OpenAsync(url);
        await connection.SendAsync(RawRequests.Request("POST", url, "/chunked", "Transfer-Encoding: chunked")
            + "5\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\n\r\n");
        var response = await connection.ReadResponseAsync();
        var echo = JsonDocument.Parse(response.Body).RootElement;

        AssertWellFormed(Messages(echo), 11);
        Assert.Equal(AsgiControl.Sha256("hello world"u8.ToArray()), echo.GetProperty("input").GetProperty("sha256").GetString());
    }

    [Fact]
    public async Task Receive_WaitingAfterBody_ClientCloses_GetsHttpDisconnect()
    {
        // The app has read the whole body and awaits receive() again without answering; when the
        // client closes its socket that receive() must return http.disconnect.
        var url = await python.UrlAsync(Errors);
        var id = AppControl.NewId();
        await using var connection = await RawConnection.OpenAsync(url);
        await connection.SendAsync(RawRequests.Get(url, $"/wait-disconnect?id={id}"));
        var before = await python.Http.WaitForRecordAsync(url, id, "body-done");
        Assert.Equal(["body-done"], before);

        await connection.DisposeAsync();
        var after = await python.Http.WaitForRecordsAsync(url, id, r => r.Count >= 2);

        Assert.Equal(["body-done", "http.disconnect"], after);
        await python.Http.AssertStillServesAsync(url);
    }

    [Fact]
    public async Task Receive_AfterResponseComplete_HttpDisconnectWhileConnectionStaysOpen()
    {
        // Spec 2.4: http.disconnect is "sent to the application if receive is called after a
        // response has been sent". The keep-alive connection is still open when it must come.
        var url = await python.UrlAsync(Errors);
        var id = AppControl.NewId();
        await using var connection = await RawConnection.OpenAsync(url);
        await connection.SendAsync(RawRequests.Get(url, $"/receive-after-response?id={id}"));
        var response = await connection.ReadResponseAsync();
        Assert.Equal("done", response.BodyText);

        var records = await python.Http.WaitForRecordsAsync(url, id, r => r.Count >= 1);

        Assert.Equal(["http.disconnect"], records);
        // The connection was not closed for it: it serves its next request.
        await connection.SendAsync(RawRequests.Get(url, "/ok"));
        Assert.Equal("ok", (await connection.ReadResponseAsync()).BodyText);
    }
}
