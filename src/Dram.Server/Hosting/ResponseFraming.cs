using Microsoft.AspNetCore.Http;

namespace Dram.Server.Hosting;

/// <summary>The RFC 9110 rules for whether a response has content and may state a length, shared by the WSGI and ASGI responses.</summary>
internal static class ResponseFraming
{
    /// <summary>
    /// No content for HEAD, 1xx, 204, 205 and 304 (RFC 9110 §6.4.1, §15.3.6); Kestrel refuses
    /// body writes for 204, 205 and 304.
    /// </summary>
    public static bool HasNoContent(string method, int status) =>
        HttpMethods.IsHead(method) || status < 200 || status is 204 or 205 or 304;

    /// <summary>
    /// Whether Content-Length may be sent: never with 1xx or 204 (RFC 9110 §8.6), nor with 205,
    /// whose content is empty by definition (§15.3.6). A 304 may carry the selected
    /// representation's length.
    /// </summary>
    public static bool MayStateLength(int status) => status is >= 200 and not 204 and not 205;
}
