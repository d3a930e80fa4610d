using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;

namespace Dram.Server.Wsgi;

/// <summary>The short page sent when the app fails before its response starts: never a traceback.</summary>
internal static class ErrorPage
{
    public static void Write(HttpResponse response, int status)
    {
        var reason = ReasonPhrases.GetReasonPhrase(status);
        var body = Encoding.ASCII.GetBytes(
            $"<!doctype html>\n<html><head><title>{status} {reason}</title></head>" +
            $"<body><h1>{status} {reason}</h1></body></html>\n");
        response.Clear();
        response.StatusCode = status;
        response.ContentType = "text/html; charset=utf-8";
        response.ContentLength = body.Length;
        var writer = response.BodyWriter;
        body.CopyTo(writer.GetSpan(body.Length));
        writer.Advance(body.Length);
    }
}
