using System.Net;
using System.Text;
using Dram.Python;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Dram.Server.Asgi;

/// <summary>
/// Builds the connection scope of an http or websocket request (ASGI HTTP &amp; WebSocket spec,
/// "HTTP Connection Scope" and "WebSocket Connection Scope"). Runs on the loop thread, GIL held.
/// The <c>asgi</c> and <c>extensions</c> dicts are shared by every scope, as Granian does; header
/// names are cached lower-cased bytes objects (bytes are immutable, so sharing is safe).
/// </summary>
internal sealed class AsgiScope
{
    private const int MaxCachedHeaderNames = 512;

    private readonly PyRef _asgi;
    private readonly PyRef _extensions;
    private readonly PyRef _noExtensions;
    private readonly Dictionary<string, PyRef> _headerNames = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, PyRef> _methods = new(StringComparer.Ordinal);

    public AsgiScope()
    {
        _asgi = Py.NewDict();
        using (var version = PyStr.FromString("3.0"))
        using (var spec = PyStr.FromString("2.4"))
        using (var versionKey = PyStr.Intern("version"))
        using (var specKey = PyStr.Intern("spec_version"))
        {
            Py.SetItem(_asgi.Borrow(), versionKey.Borrow(), version.Borrow());
            Py.SetItem(_asgi.Borrow(), specKey.Borrow(), spec.Borrow());
        }

        // http.response.pathsend: the app names a file and Dram sends it without Python reading it.
        _extensions = Py.NewDict();
        using (var pathsend = PyStr.Intern("http.response.pathsend"))
        using (var empty = Py.NewDict())
        {
            Py.SetItem(_extensions.Borrow(), pathsend.Borrow(), empty.Borrow());
        }

        // websocket.http.response: the denial response, sent instead of accepting.
        _noExtensions = Py.NewDict();
        using (var denial = PyStr.Intern("websocket.http.response"))
        using (var empty = Py.NewDict())
        {
            Py.SetItem(_noExtensions.Borrow(), denial.Borrow(), empty.Borrow());
        }
    }

    /// <summary>The scope dict for <paramref name="context"/>; <paramref name="state"/> is copied into it (shallow, per request).</summary>
    public PyRef Build(HttpContext context, bool webSocket, PyBorrowed state, IReadOnlyList<string>? subprotocols)
    {
        var scope = Py.NewDict();
        try
        {
            var s = scope.Borrow();
            var request = context.Request;
            var raw = context.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget;
            var (rawPath, query) = Wsgi.RequestTarget.Split(raw);

            Py.SetItem(s, AsgiNames.Type.Borrow(), (webSocket ? AsgiNames.WebSocketType : AsgiNames.HttpType).Borrow());
            Py.SetItem(s, AsgiNames.Asgi.Borrow(), _asgi.Borrow());
            Py.SetItem(s, AsgiNames.HttpVersion.Borrow(), HttpVersion(request.Protocol).Borrow());
            if (!webSocket)
            {
                Py.SetItem(s, AsgiNames.Method.Borrow(), Method(request.Method).Borrow());
            }

            // The scheme the client used: https when a trusted proxy says so (ForwardedHeaders).
            var secure = request.IsHttps;
            Py.SetItem(s, AsgiNames.Scheme.Borrow(), (webSocket
                ? (secure ? AsgiNames.WssScheme : AsgiNames.WsScheme)
                : (secure ? AsgiNames.HttpsScheme : AsgiNames.HttpScheme)).Borrow());
            // A mounted app (--mount) gets the rest after its prefix as path and the prefix as
            // root_path, the split Starlette 0.26's Mount and uvicorn 0.17 use (path excludes
            // root_path; docs/compatibility.md). raw_path stays the whole target as received.
            var mounted = context.Features.Get<Mounts.MountedPath>();
            Py.SetItem(s, AsgiNames.Path.Borrow(), mounted is null ? DecodePath(rawPath) : Utf8FromLatin1(mounted.PathInfo));
            Py.SetItem(s, AsgiNames.RawPath.Borrow(), Latin1Bytes(rawPath));
            Py.SetItem(s, AsgiNames.QueryString.Borrow(), query.Length == 0 ? AsgiNames.EmptyBytes.Borrow().NewRef() : Latin1Bytes(query));
            if (mounted is null)
            {
                Py.SetItem(s, AsgiNames.RootPath.Borrow(), AsgiNames.Empty.Borrow());
            }
            else
            {
                Py.SetItem(s, AsgiNames.RootPath.Borrow(), PyStr.FromString(mounted.RootPath));
            }
            Py.SetItem(s, AsgiNames.Headers.Borrow(), Headers(request.Headers));
            Py.SetItem(s, AsgiNames.Client.Borrow(), Address(context.Connection.RemoteIpAddress, context.Connection.RemotePort));
            Py.SetItem(s, AsgiNames.Server.Borrow(), Address(context.Connection.LocalIpAddress, context.Connection.LocalPort));
            Py.SetItem(s, AsgiNames.State.Borrow(), Py.CopyDict(state));
            Py.SetItem(s, AsgiNames.Extensions.Borrow(), (webSocket ? _noExtensions : _extensions).Borrow());
            if (webSocket)
            {
                using var list = Py.NewList();
                foreach (var protocol in subprotocols ?? [])
                {
                    using var item = PyStr.FromString(protocol);
                    Py.ListAppend(list.Borrow(), item.Borrow());
                }

                Py.SetItem(s, AsgiNames.Subprotocols.Borrow(), list.Borrow());
            }

            return scope;
        }
        catch
        {
            scope.Dispose();
            throw;
        }
    }

    /// <summary>
    /// ASGI's path: the percent-decoded target read as UTF-8 (invalid sequences become U+FFFD, as
    /// uvicorn's <c>urllib.parse.unquote</c> does). Dot segments stay, as in raw_path.
    /// </summary>
    private static PyRef DecodePath(string rawPath)
    {
        var decoded = Wsgi.RequestTarget.PercentDecode(rawPath);
        if (decoded.Length == rawPath.Length && Ascii.IsValid(rawPath))
        {
            return PyStr.FromLatin1(rawPath);
        }

        var bytes = Encoding.Latin1.GetBytes(decoded);
        return PyStr.FromString(Encoding.UTF8.GetString(bytes));
    }

    /// <summary>Decoded path bytes (as latin-1 chars) read as UTF-8, invalid sequences as U+FFFD, like <see cref="DecodePath"/>.</summary>
    private static PyRef Utf8FromLatin1(string decoded) =>
        Ascii.IsValid(decoded) ? PyStr.FromLatin1(decoded) : PyStr.FromString(Encoding.UTF8.GetString(Encoding.Latin1.GetBytes(decoded)));

    private static PyRef Latin1Bytes(string text)
    {
        Span<byte> small = stackalloc byte[256];
        var buffer = text.Length <= small.Length ? small[..text.Length] : new byte[text.Length];
        Encoding.Latin1.GetBytes(text, buffer);
        return PyBytes.From(buffer);
    }

    private PyRef Headers(IHeaderDictionary headers)
    {
        var list = Py.NewList();
        try
        {
            foreach (var (name, values) in headers)
            {
                using var key = HeaderName(name);
                foreach (var value in values)
                {
                    using var valueBytes = Latin1Bytes(value ?? "");
                    using var pair = Py.Tuple(key.Borrow(), valueBytes.Borrow());
                    Py.ListAppend(list.Borrow(), pair.Borrow());
                }
            }

            return list;
        }
        catch
        {
            list.Dispose();
            throw;
        }
    }

    /// <summary>The lower-cased name as bytes (a new reference; the cache keeps its own).</summary>
    private PyRef HeaderName(string name)
    {
        if (_headerNames.TryGetValue(name, out var cached))
        {
            return cached.Borrow().NewRef();
        }

        var created = Latin1Bytes(name.ToLowerInvariant());
        if (_headerNames.Count < MaxCachedHeaderNames && name.All(c => c < 0x80))
        {
            _headerNames[name] = created;
            return created.Borrow().NewRef();
        }

        return created;
    }

    private PyRef Method(string method)
    {
        if (!_methods.TryGetValue(method, out var cached))
        {
            if (_methods.Count >= 32)
            {
                return PyStr.FromLatin1(method);
            }

            cached = PyStr.FromLatin1(method);
            _methods[method] = cached;
        }

        return cached.Borrow().NewRef();
    }

    private static PyRef HttpVersion(string protocol) => (protocol switch
    {
        "HTTP/1.0" => AsgiNames.Http10,
        "HTTP/2" => AsgiNames.Http2,
        _ => AsgiNames.Http11,
    }).Borrow().NewRef();

    private static PyRef Address(IPAddress? address, int port)
    {
        if (address is null)
        {
            return Py.None.NewRef();
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        using var host = PyStr.FromLatin1(address.ToString());
        using var portNumber = Py.Int(port);
        return Py.Tuple(host.Borrow(), portNumber.Borrow());
    }
}
