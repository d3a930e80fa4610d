using System.Net;
using System.Text.RegularExpressions;
using Dram.Tests.Support;

namespace Dram.Tests.Apps;

/// <summary>
/// Django's admin login against Dram and gunicorn, each with its own cookie jar: the CSRF cookie
/// and form token, the session cookie set at login, and the refusals (no CSRF token, wrong password).
/// </summary>
[Collection(UsesPython.Name)]
public sealed partial class DjangoAdminTests(PythonFixture python, DjangoSite site) : IClassFixture<DjangoSite>
{
    /// <summary>A browser-like client: cookies kept, redirects not followed (the test checks them).</summary>
    private static HttpClient NewBrowser() => new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        UseCookies = true,
        CookieContainer = new CookieContainer(),
    })
    {
        Timeout = TimeSpan.FromSeconds(60),
    };

    [GeneratedRegex("name=\"csrfmiddlewaretoken\" value=\"([^\"]+)\"")]
    private static partial Regex CsrfField();

    /// <summary>
    /// Set-Cookie without what is random or time-bound (the value, Expires): name and the other
    /// attributes must match between servers.
    /// </summary>
    private static List<string> CookieShapes(Captured response) =>
        [.. response.All("Set-Cookie").Select(c => string.Join("; ", c.Split("; ").Select((part, i) =>
            i == 0 ? part.Split('=')[0] : part).Where(part => !part.StartsWith("expires=", StringComparison.OrdinalIgnoreCase))))
            .Order(StringComparer.Ordinal)];

    /// <summary>The whole login flow on one server; returns each step's response.</summary>
    private static async Task<List<Captured>> LoginAsync(string url, string password)
    {
        using var browser = NewBrowser();
        var steps = new List<Captured>();

        using (var request = new HttpRequestMessage(HttpMethod.Get, new Uri(url + "/admin/")))
        {
            steps.Add(await Exchange.SendAsync(browser, request));
        }

        using (var request = new HttpRequestMessage(HttpMethod.Get, new Uri(url + "/admin/login/?next=/admin/")))
        {
            steps.Add(await Exchange.SendAsync(browser, request));
        }

        var token = CsrfField().Match(steps[^1].Text);
        Assert.True(token.Success, $"no csrfmiddlewaretoken in the login form from {url}:\n{steps[^1]}");
        using (var request = new HttpRequestMessage(HttpMethod.Post, new Uri(url + "/admin/login/?next=/admin/"))
        {
            Content = new FormUrlEncodedContent([
                new("csrfmiddlewaretoken", token.Groups[1].Value),
                new("username", DjangoSite.User),
                new("password", password),
                new("next", "/admin/"),
            ]),
        })
        {
            steps.Add(await Exchange.SendAsync(browser, request));
        }

        using (var request = new HttpRequestMessage(HttpMethod.Get, new Uri(url + "/admin/")))
        {
            steps.Add(await Exchange.SendAsync(browser, request));
        }

        return steps;
    }

    [Fact]
    public async Task AdminLogin_CsrfAndSession_LoggedInSameAsGunicorn()
    {
        var dram = await LoginAsync(await python.UrlAsync(DjangoSite.App), DjangoSite.Password);
        var reference = await LoginAsync(site.Gunicorn!.Url, DjangoSite.Password);

        // Not logged in: redirected to the login page.
        Assert.Equal(302, dram[0].Status);
        Assert.Equal("/admin/login/?next=/admin/", dram[0].Header("Location"));
        // The form sets the CSRF cookie.
        Assert.Equal(200, dram[1].Status);
        Assert.Equal(["csrftoken; Max-Age=31449600; Path=/; SameSite=Lax"], CookieShapes(dram[1]));
        // Good credentials with the token: a new session, a new CSRF token, back to the index.
        Assert.True(dram[2].Status == 302, dram[2].ToString());
        Assert.Equal("/admin/", dram[2].Header("Location"));
        Assert.Contains(CookieShapes(dram[2]), c => c.StartsWith("sessionid; HttpOnly", StringComparison.Ordinal));
        // The session cookie is sent back and recognised.
        Assert.Equal(200, dram[3].Status);
        Assert.Contains("Site administration", dram[3].Text, StringComparison.Ordinal);
        Assert.Contains($"<strong>{DjangoSite.User}</strong>", dram[3].Text, StringComparison.Ordinal);

        foreach (var (d, g) in dram.Zip(reference))
        {
            // Expires on no-cache pages is "now"; cookies and the tokens in pages are random.
            Exchange.AssertSameHead(d, g, "Set-Cookie", "Expires", "Content-Length");
            Assert.Equal(CookieShapes(g), CookieShapes(d));
        }

        Assert.Equal(reference.Count, dram.Count);
    }

    [Fact]
    public async Task AdminLogin_WrongPassword_FormAgainWithErrorLikeGunicorn()
    {
        var dram = await LoginAsync(await python.UrlAsync(DjangoSite.App), "not-the-password");
        var reference = await LoginAsync(site.Gunicorn!.Url, "not-the-password");

        Assert.Equal(200, dram[2].Status);
        Assert.Contains("Please enter the correct username and password", dram[2].Text, StringComparison.Ordinal);
        Assert.Equal(302, dram[3].Status);
        Assert.Equal(dram.Select(s => s.Status), reference.Select(s => s.Status));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AdminLogin_PostWithoutCsrfToken_403SameAsGunicorn(bool withCookie)
    {
        // Without the cookie, or with the cookie but no form token: Django's CSRF check refuses.
        async Task<Captured> PostAsync(string url)
        {
            using var browser = NewBrowser();
            if (withCookie)
            {
                using var form = new HttpRequestMessage(HttpMethod.Get, new Uri(url + "/admin/login/"));
                Assert.Equal(200, (await Exchange.SendAsync(browser, form)).Status);
            }

            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(url + "/admin/login/"))
            {
                Content = new FormUrlEncodedContent([new("username", DjangoSite.User), new("password", DjangoSite.Password)]),
            };
            return await Exchange.SendAsync(browser, request);
        }

        var dram = await PostAsync(await python.UrlAsync(DjangoSite.App));
        var reference = await PostAsync(site.Gunicorn!.Url);

        Assert.Equal(403, dram.Status);
        Assert.Contains("CSRF verification failed", dram.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(dram.All("Set-Cookie"), c => c.StartsWith("sessionid=", StringComparison.Ordinal));
        Exchange.AssertSame(dram, reference);
    }
}
