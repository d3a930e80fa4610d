using System.Net;
using System.Net.Http.Json;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;

namespace Dram.Tests.Tls;

/// <summary>HttpClients for the TLS tests: the test CA as the only trust, one HTTP version exactly.</summary>
internal static class TlsClients
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>
    /// A client that speaks exactly <paramref name="version"/>: over https:// ALPN must pick it; over
    /// http:// with 2.0 it is HTTP/2 with prior knowledge (h2c).
    /// </summary>
    public static HttpClient Create(TestCertificates certificates, Version version, SslProtocols protocols = SslProtocols.None, X509Certificate2? clientCertificate = null)
    {
        var policy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            RevocationMode = X509RevocationMode.NoCheck,
        };
        policy.CustomTrustStore.Add(certificates.LoadCa());
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                EnabledSslProtocols = protocols,
                CertificateChainPolicy = policy,
                ClientCertificates = clientCertificate is null ? null : [clientCertificate],
            },
        };
        return new HttpClient(handler)
        {
            DefaultRequestVersion = version,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = Timeout,
        };
    }

    /// <summary>GETs or POSTs to the echo app and returns its JSON with the response's version.</summary>
    public static async Task<(JsonElement Json, Version Version)> EchoAsync(HttpClient client, string url, HttpContent? body = null)
    {
        using var response = body is null ? await client.GetAsync(new Uri(url)) : await client.PostAsync(new Uri(url), body);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>(), response.Version);
    }

    public static string Environ(this JsonElement echo, string key) => echo.GetProperty("environ").GetProperty(key).ToString();
}
