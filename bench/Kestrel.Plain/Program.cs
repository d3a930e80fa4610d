// The plain Kestrel app bench/run uses as the ceiling: no Python, no routing, no logging.
//
//   Kestrel.Plain PORT [hello|10k]
//
// Answers every request on 127.0.0.1:PORT with the same body as bench/apps/hello.py (13 bytes)
// or bench/apps/body_10k.py (10 KiB), with Content-Type text/plain and a Content-Length.
using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

if (args.Length is < 1 or > 2 || !int.TryParse(args[0], NumberStyles.None, CultureInfo.InvariantCulture, out var port))
{
    await Console.Error.WriteLineAsync("usage: Kestrel.Plain PORT [hello|10k]").ConfigureAwait(false);
    return 2;
}

var body = (args.Length == 2 ? args[1] : "hello") switch
{
    "hello" => Encoding.ASCII.GetBytes("Hello, world!"),
    "10k" => Enumerable.Repeat((byte)'x', 10 * 1024).ToArray(),
    _ => null,
};
if (body is null)
{
    await Console.Error.WriteLineAsync("Kestrel.Plain: body must be hello or 10k").ConfigureAwait(false);
    return 2;
}

var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { Args = [] });
builder.WebHost.UseKestrelCore().ConfigureKestrel(options => options.Listen(IPAddress.Loopback, port));
var app = builder.Build();
app.Run(async context =>
{
    context.Response.ContentType = "text/plain";
    context.Response.ContentLength = body.Length;
    await context.Response.Body.WriteAsync(body).ConfigureAwait(false);
});
await app.RunAsync().ConfigureAwait(false);
return 0;
