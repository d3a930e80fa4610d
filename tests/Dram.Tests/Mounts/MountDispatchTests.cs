using System.Text.Json;
using Dram.Server;
using Dram.Tests.Support;

namespace Dram.Tests.Mounts;

/// <summary>
/// --mount against a live server (tests/apps/mount_echo.py): which app answers which path, and the
/// SCRIPT_NAME/PATH_INFO (ASGI root_path/path) split each is handed. Requests go over raw sockets,
/// because HttpClient would remove the dot segments these tests send.
/// </summary>
[Collection(UsesPython.Name)]
public sealed class MountDispatchTests(PythonFixture python)
{
    private Task<OwnServer> StartAsync(string? app, params (string Prefix, string App)[] mounts) =>
        OwnServer.StartAsync(python, app, options =>
        {
            foreach (var (prefix, mounted) in mounts)
            {
                options.Mounts.Add(new AppMount(prefix, mounted));
            }
        });

    private static async Task<JsonElement> GetJsonAsync(string url, string target)
    {
        var response = await RawRequests.SendAsync(url, RawRequests.Get(url, target));
        Assert.True(response.StatusCode == 200, $"GET {target}: {response.StatusLine}\n{response.BodyText}");
        return AppControl.Json(response.BodyText);
    }

    private static async Task AssertWsgiAsync(string url, string target, string app, string scriptName, string pathInfo)
    {
        var json = await GetJsonAsync(url, target);
        Assert.True(
            json.Str("app") == app && json.Str("script_name") == scriptName && json.Str("path_info") == pathInfo,
            $"GET {target}: expected {app} with SCRIPT_NAME '{scriptName}' and PATH_INFO '{pathInfo}', got {json}");
    }

    private static async Task AssertAsgiAsync(string url, string target, string app, string rootPath, string path)
    {
        var json = await GetJsonAsync(url, target);
        Assert.True(
            json.Str("app") == app && json.Str("root_path") == rootPath && json.Str("path") == path,
            $"GET {target}: expected {app} with root_path '{rootPath}' and path '{path}', got {json}");
        Assert.Equal(target.Split('?')[0], json.Str("raw_path"));
    }

    [Fact]
    public async Task Prefix_MatchesWholeSegments_RestInPathInfo()
    {
        await using var server = await StartAsync("mount_echo:wsgi_root", ("/one", "mount_echo:wsgi_a"));

        await AssertWsgiAsync(server.Url, "/one", "wsgi_a", "/one", "");
        await AssertWsgiAsync(server.Url, "/one/", "wsgi_a", "/one", "/");
        await AssertWsgiAsync(server.Url, "/one/x/y", "wsgi_a", "/one", "/x/y");
        await AssertWsgiAsync(server.Url, "/oneself", "wsgi_root", "", "/oneself");
        await AssertWsgiAsync(server.Url, "/", "wsgi_root", "", "/");
        var query = await GetJsonAsync(server.Url, "/one/q?a=1&b=%20");
        Assert.Equal("a=1&b=%20", query.Str("query"));
    }

    [Fact]
    public async Task KeepAlive_NextRequestOnTheConnection_NotHandedThePreviousMount()
    {
        await using var server = await StartAsync("mount_echo:asgi_b", ("/one", "mount_echo:wsgi_a"), ("/two", "mount_echo:asgi_a"));
        await using var connection = await RawConnection.OpenAsync(server.Url);

        foreach (var (target, app, root, rest) in new[]
        {
            ("/one/x", "wsgi_a", "/one", "/x"), ("/r", "asgi_b", "", "/r"), ("/two/y", "asgi_a", "/two", "/y"), ("/s", "asgi_b", "", "/s"),
        })
        {
            await connection.SendAsync(RawRequests.Get(server.Url, target));
            var json = AppControl.Json((await connection.ReadResponseAsync()).BodyText);
            Assert.Equal(app, json.Str("app"));
            Assert.Equal(root, json.Str(app.StartsWith("wsgi", StringComparison.Ordinal) ? "script_name" : "root_path"));
            Assert.Equal(rest, json.Str(app.StartsWith("wsgi", StringComparison.Ordinal) ? "path_info" : "path"));
        }
    }

    [Fact]
    public async Task Prefixes_LongestWins_ShorterGivenFirst()
    {
        await using var server = await StartAsync(
            "mount_echo:wsgi_root", ("/a", "mount_echo:wsgi_a"), ("/a/b", "mount_echo:wsgi_b"));

        await AssertWsgiAsync(server.Url, "/a/b/c", "wsgi_b", "/a/b", "/c");
        await AssertWsgiAsync(server.Url, "/a/b", "wsgi_b", "/a/b", "");
        await AssertWsgiAsync(server.Url, "/a/bc", "wsgi_a", "/a", "/bc");
        await AssertWsgiAsync(server.Url, "/a/x/b", "wsgi_a", "/a", "/x/b");
    }

    [Fact]
    public async Task DotSegments_DispatchOnNormalisedPath_AppNeverSeesThem()
    {
        await using var server = await StartAsync(
            "mount_echo:wsgi_root", ("/one", "mount_echo:wsgi_a"), ("/two", "mount_echo:asgi_b"));

        await AssertAsgiAsync(server.Url, "/one/../two/x", "asgi_b", "/two", "/x");
        await AssertAsgiAsync(server.Url, "/one/%2E%2E/two/z", "asgi_b", "/two", "/z");
        await AssertAsgiAsync(server.Url, "/two/../two/./y", "asgi_b", "/two", "/y");
        await AssertWsgiAsync(server.Url, "/two/../one/y", "wsgi_a", "/one", "/y");
        await AssertWsgiAsync(server.Url, "/x/../../one", "wsgi_a", "/one", "");

        // Encoded slashes make the decoded path climb out of /one while Kestrel's reading stays
        // inside it: no app gets a PATH_INFO above its prefix.
        var escape = await RawRequests.SendAsync(server.Url, RawRequests.Get(server.Url, "/one/x%2F..%2F..%2Ftwo"));
        Assert.Equal(404, escape.StatusCode);
    }

    [Fact]
    public async Task EncodedSlash_IsNotASegmentBoundary_DecodedInPathInfo()
    {
        await using var server = await StartAsync(
            "mount_echo:wsgi_root", ("/a", "mount_echo:wsgi_a"), ("/a/b", "mount_echo:asgi_b"));

        await AssertWsgiAsync(server.Url, "/a/b%2Fc", "wsgi_a", "/a", "/b/c");
        await AssertAsgiAsync(server.Url, "/a/b/c%2Fd", "asgi_b", "/a/b", "/c/d");
        await AssertWsgiAsync(server.Url, "/a%2Fb/c", "wsgi_root", "", "/a/b/c");
    }

    [Fact]
    public async Task NonAsciiPrefix_ScriptNameIsItsUtf8BytesAsLatin1_RootPathIsText()
    {
        await using var server = await StartAsync(
            "mount_echo:wsgi_root", ("/café", "mount_echo:wsgi_a"), ("/naïve", "mount_echo:asgi_a"));

        await AssertWsgiAsync(server.Url, "/caf%C3%A9/x%C3%A9", "wsgi_a", "/caf\u00c3\u00a9", "/x\u00c3\u00a9");
        var asgi = await GetJsonAsync(server.Url, "/na%C3%AFve/y%C3%A9");
        Assert.Equal("/naïve", asgi.Str("root_path"));
        Assert.Equal("/yé", asgi.Str("path"));
    }

    [Fact]
    public async Task WsgiAndAsgi_SideBySide_EachRequestReachesItsApp()
    {
        await using var server = await StartAsync(
            "mount_echo:asgi_b", ("/w", "mount_echo:wsgi_a"), ("/s", "mount_echo:asgi_a"));

        var requests = Enumerable.Range(0, 30).Select(async i =>
        {
            var (target, app) = (i % 3) switch
            {
                0 => ($"/w/{i}", "wsgi_a"),
                1 => ($"/s/{i}", "asgi_a"),
                _ => ($"/r/{i}", "asgi_b"),
            };
            var json = AppControl.Json(await python.Http.GetStringAsync(new Uri(server.Url + target)));
            Assert.Equal(app, json.Str("app"));
            return json;
        });
        var answers = await Task.WhenAll(requests);

        Assert.Contains(answers, j => j.Str("app") == "wsgi_a" && j.Str("script_name") == "/w" && j.Str("path_info") == "/0");
        Assert.Contains(answers, j => j.Str("app") == "asgi_a" && j.Str("root_path") == "/s" && j.Str("path") == "/1");
        Assert.Contains(answers, j => j.Str("app") == "asgi_b" && j.Str("root_path") == "" && j.Str("path") == "/r/2");
    }

    [Fact]
    public async Task NoPositionalApp_PathsUnderNoPrefix_404()
    {
        await using var server = await StartAsync(null, ("/one", "mount_echo:wsgi_a"));

        foreach (var target in new[] { "/", "/oneself", "/two/x" })
        {
            var response = await RawRequests.SendAsync(server.Url, RawRequests.Get(server.Url, target));
            Assert.Equal(404, response.StatusCode);
            Assert.Equal("Not Found\n", response.BodyText);
        }

        await AssertWsgiAsync(server.Url, "/one/x", "wsgi_a", "/one", "/x");
        Assert.Contains("No APP given: paths under no --mount prefix get 404", python.Log.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Timeout_AppliesToMountedWsgiAndAsgiApps()
    {
        await using var server = await OwnServer.StartAsync(python, "mount_echo:wsgi_root", options =>
        {
            options.Timeout = TimeSpan.FromSeconds(1);
            options.Mounts.Add(new AppMount("/w", "mount_echo:wsgi_sleep"));
            options.Mounts.Add(new AppMount("/s", "mount_echo:asgi_sleep"));
        });

        var wsgi = python.Http.GetAsync(new Uri(server.Url + "/w?seconds=20"));
        var asgi = python.Http.GetAsync(new Uri(server.Url + "/s?seconds=20"));
        using var wsgiResponse = await wsgi;
        using var asgiResponse = await asgi;

        Assert.Equal(504, (int)wsgiResponse.StatusCode);
        Assert.Equal(504, (int)asgiResponse.StatusCode);
    }
}
