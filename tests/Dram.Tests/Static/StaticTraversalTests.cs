using Dram.Tests.Support;

namespace Dram.Tests.StaticFiles;

/// <summary>
/// No file outside a static directory is ever served, however the request target is written:
/// dot segments raw or percent-encoded, encoded slashes and backslashes, double encoding, NUL,
/// absolute-form targets. Sent byte for byte over a raw socket, since HttpClient would normalise
/// them. Targets that stay under the prefix get the static route's 404 (Kestrel may refuse some
/// with 400 first); targets Kestrel's dot-segment removal lifts out of the prefix go to the app.
/// Either way the secret file next to the static directory, and /etc/passwd, never come back.
/// </summary>
[Collection(UsesPython.Name)]
public sealed class StaticTraversalTests(PythonFixture python) : IDisposable
{
    private readonly StaticSite _site = new();

    public void Dispose() => _site.Dispose();

    [Theory]
    [InlineData("/static/..%2fsecret.txt")]
    [InlineData("/static/..%2Fsecret.txt")]
    [InlineData("/static/%2e%2e%2fsecret.txt")]
    [InlineData("/static/..%5csecret.txt")]
    [InlineData("/static/..%5Csecret.txt")]
    [InlineData("/static/%252e%252e/secret.txt")]
    [InlineData("/static/%252e%252e%252fsecret.txt")]
    [InlineData("/static/..%252fsecret.txt")]
    [InlineData("/static/%2e%2e%5c%2e%2e%5cetc%5cpasswd")]
    [InlineData("/static//etc/passwd")]
    [InlineData("/static/%2Fetc%2Fpasswd")]
    [InlineData("/static/%2fetc/passwd")]
    [InlineData("/static/up%2f..%2fsecret.txt")]
    [InlineData("/static/plain.txt%00")]
    [InlineData("/static/plain.txt%00.png")]
    [InlineData("/static/%00/../secret.txt")]
    [InlineData("/static/deep/..%2f..%2fsecret.txt")]
    [InlineData("/static/%c0%ae%c0%ae/secret.txt")]
    public async Task EncodedTraversal_UnderThePrefix_404Or400NeverTheFile(string target)
    {
        await using var server = await _site.StartAsync(python, "static_counter:app");
        var before = await StaticRequests.AppCallsAsync(python.Http, server.Url);

        var response = await StaticRequests.RawAsync(server.Url, target);

        Assert.True(response.StatusCode is 404 or 400, $"{target}: {response.StatusLine} {response.BodyText}");
        AssertNothingLeaked(target, response);
        Assert.Equal(before + 1, await StaticRequests.AppCallsAsync(python.Http, server.Url));
    }

    [Theory]
    [InlineData("/static/../secret.txt")]
    [InlineData("/static/%2e%2e/secret.txt")]
    [InlineData("/static/%2E%2E/%2E%2E/%2E%2E/etc/passwd")]
    [InlineData("/static/sub/../../secret.txt")]
    [InlineData("/static/../../../../etc/passwd")]
    [InlineData("/static/./../secret.txt")]
    [InlineData("/static/.%2e/secret.txt")]
    [InlineData("/static/%2e./secret.txt")]
    public async Task DotSegments_RemovedByKestrel_LeaveThePrefixAndNeverReachTheFile(string target)
    {
        await using var server = await _site.StartAsync(python, "static_counter:app");

        var response = await StaticRequests.RawAsync(server.Url, target);

        AssertNothingLeaked(target, response);
        Assert.True(response.StatusCode == 400 || response.BodyText.StartsWith("app /", StringComparison.Ordinal), $"{target}: {response.StatusLine} {response.BodyText}");
    }

    [Theory]
    [InlineData("/static/..\\secret.txt")]
    [InlineData("/static/..\\..\\etc\\passwd")]
    [InlineData("/etc/passwd")]
    [InlineData("//etc/passwd")]
    public async Task RawBackslashesAndAbsolutePaths_NeverTheFile(string target)
    {
        await using var server = await _site.StartAsync(python, "static_counter:app");

        var response = await StaticRequests.RawAsync(server.Url, target);

        AssertNothingLeaked(target, response);
    }

    [Fact]
    public async Task AbsoluteFormTarget_WithDotSegments_NeverTheFile()
    {
        await using var server = await _site.StartAsync(python, "static_counter:app");
        var authority = RawConnection.HostOf(server.Url);

        var up = await StaticRequests.RawAsync(server.Url, $"http://{authority}/static/../secret.txt");
        var encoded = await StaticRequests.RawAsync(server.Url, $"http://{authority}/static/..%2fsecret.txt");
        var served = await StaticRequests.RawAsync(server.Url, $"http://{authority}/static/plain.txt");

        AssertNothingLeaked("absolute ..", up);
        AssertNothingLeaked("absolute %2f", encoded);
        Assert.Equal(404, encoded.StatusCode);
        Assert.Equal("plain text", served.BodyText);
    }

    private static void AssertNothingLeaked(string target, RawResponse response)
    {
        Assert.False(response.BodyText.Contains(StaticSite.Secret, StringComparison.Ordinal), $"{target} leaked the secret");
        Assert.False(response.BodyText.Contains("root:", StringComparison.Ordinal), $"{target} leaked /etc/passwd");
    }
}
