using System.Net;
using System.Text.RegularExpressions;
using Dram.Tests.Apps;
using Dram.Tests.Support;

namespace Dram.Tests.Asgi;

/// <summary>
/// The Django test site through Django's own ASGI handler (tests/apps/real/django_site/asgi.py,
/// Django 3.2's get_asgi_application), which runs the sync views in threads via asgiref. The same
/// site's WSGI entry point under gunicorn (<see cref="DjangoSite"/>) is the reference: the views,
/// middleware and settings are the same, so the answers must be too.
/// </summary>
[Collection(UsesPython.Name)]
public sealed partial class DjangoAsgiTests(PythonFixture python, DjangoSite site) : IClassFixture<DjangoSite>
{
    public const string App = "real.django_site.asgi:application";

    [GeneratedRegex("name=\"csrfmiddlewaretoken\" value=\"([^\"]+)\"")]
    private static partial Regex CsrfField();

    [Fact]
    public async Task JsonView_Get_SameAsWsgiUnderGunicorn()
    {
        var (dram, reference) = await Exchange.GetBothAsync(python.Http, await python.UrlAsync(App), site.Gunicorn!.Url, "/json/?a=1&b=caf%C3%A9");

        Assert.Equal(200, dram.Status);
        Assert.Equal("application/json", dram.Header("Content-Type"));
        Assert.Equal("""{"method": "GET", "path": "/json/", "query": {"a": "1", "b": "caf\u00e9"}, "secure": false}""", dram.Text);
        Exchange.AssertSame(dram, reference);
    }

    [Fact]
    public async Task AdminLoginPage_Get_200WithCsrfFormAndCookie()
    {
        var (dram, reference) = await Exchange.GetBothAsync(python.Http, await python.UrlAsync(App), site.Gunicorn!.Url, "/admin/login/?next=/admin/");

        Assert.Equal(200, dram.Status);
        Assert.Equal("text/html; charset=utf-8", dram.Header("Content-Type"));
        Assert.Contains("<title>Log in | Django site admin</title>", dram.Text, StringComparison.Ordinal);
        Assert.Matches(CsrfField(), dram.Text);
        Assert.Contains(dram.All("Set-Cookie"), c => c.StartsWith("csrftoken=", StringComparison.Ordinal));
        // The token and cookie are random: compare the rest of the head.
        Exchange.AssertSameHead(dram, reference, "set-cookie", "expires", "content-length");
    }

    [Fact]
    public async Task AdminLogin_PostWithCsrf_RedirectsWithSessionThenAdminIndex()
    {
        var url = await python.UrlAsync(App);
        using var browser = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = true, CookieContainer = new CookieContainer() })
        {
            Timeout = TimeSpan.FromSeconds(60),
        };
        var form = await browser.GetStringAsync(new Uri(url + "/admin/login/?next=/admin/"));
        var token = CsrfField().Match(form);
        Assert.True(token.Success, "no csrfmiddlewaretoken in the login form");

        using var login = new FormUrlEncodedContent([
            new("csrfmiddlewaretoken", token.Groups[1].Value),
            new("username", DjangoSite.User),
            new("password", DjangoSite.Password),
            new("next", "/admin/"),
        ]);
        using var posted = await browser.PostAsync(new Uri(url + "/admin/login/?next=/admin/"), login);
        Assert.Equal(HttpStatusCode.Found, posted.StatusCode);
        Assert.Equal("/admin/", posted.Headers.Location?.OriginalString);
        Assert.Contains(posted.Headers.GetValues("Set-Cookie"), c => c.StartsWith("sessionid=", StringComparison.Ordinal));

        using var index = await browser.GetAsync(new Uri(url + "/admin/"));
        Assert.Equal(HttpStatusCode.OK, index.StatusCode);
        Assert.Contains("Site administration", await index.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task StreamingView_Get_ChunkedLinesSameAsGunicorn()
    {
        var (dram, reference) = await Exchange.GetBothAsync(python.Http, await python.UrlAsync(App), site.Gunicorn!.Url, "/stream/5/");

        Assert.Equal(200, dram.Status);
        Assert.Equal(string.Concat(Enumerable.Range(1, 5).Select(i => $"line {i} of 5\n")), dram.Text);
        Exchange.AssertSame(dram, reference);
    }

    [Fact]
    public async Task Upload_Multipart_ReadThroughTheAsgiBody()
    {
        var data = AsgiControl.RandomBytes(1024 * 1024 + 9, seed: 13);
        using var form = new MultipartFormDataContent();
        using var file = new ByteArrayContent(data);
        file.Headers.ContentType = new("application/octet-stream");
        form.Add(file, "file", "blob.bin");
        using var note = new StringContent("via asgi");
        form.Add(note, "note");
        using var response = await python.Http.PostAsync(new Uri(await python.UrlAsync(App) + "/upload/"), form);
        var json = AppControl.Json(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(data.Length, json.GetProperty("size").GetInt32());
        Assert.Equal(AsgiControl.Sha256(data), json.Str("sha256"));
        Assert.Equal("via asgi", json.Str("note"));
    }
}
