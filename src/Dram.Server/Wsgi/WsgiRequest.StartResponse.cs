using System.Globalization;
using Dram.Python;
using Dram.Server.Logging;

namespace Dram.Server.Wsgi;

internal sealed partial class WsgiRequest
{
    private int _statusCode;
    private string? _reason;
    private List<KeyValuePair<string, string>>? _headers;
    private long? _declaredLength;
    private bool _closeConnection;

    /// <summary>
    /// start_response(status, response_headers, exc_info=None), PEP 3333. Validates everything
    /// before a byte reaches Kestrel: a status or header that could split the response (CR/LF) or
    /// is not latin-1 raises in the app and is logged, so the client gets a 500, never the bytes.
    /// </summary>
    public PyRef StartResponse(PyBorrowed status, PyBorrowed headers, PyBorrowed excInfo)
    {
        if (!excInfo.IsNull && !excInfo.Is(Py.None))
        {
            // Headers already on the wire cannot be replaced: re-raise the app's own exception.
            if (_headersSent)
            {
                throw Py.Reraise(excInfo);
            }
        }
        else if (_reason is not null)
        {
            throw new PyRaiseException(PyErrorKind.AssertionError,
                "start_response() called a second time without exc_info (PEP 3333)");
        }

        var (code, reason) = ParseStatus(status);
        var parsed = ParseHeaders(headers, out var declaredLength, out var close);
        _statusCode = code;
        _reason = reason;
        _headers = parsed;
        _declaredLength = declaredLength;
        _closeConnection = close;
        return WsgiCallbacks.Write.Bind(_handle);
    }

    private (int Code, string Reason) ParseStatus(PyBorrowed status)
    {
        if (!PyStr.TryGetLatin1(status, out var text))
        {
            throw Invalid(PyErrorKind.TypeError, "status must be a latin-1 str such as '200 OK'");
        }

        // "200 OK": three digits, a space, a reason phrase of visible characters (RFC 9112 §4).
        if (text.Length < 4 || text[3] != ' ' || !int.TryParse(text.AsSpan(0, 3), NumberStyles.None, CultureInfo.InvariantCulture, out var code) || code < 100)
        {
            throw Invalid(PyErrorKind.ValueError, $"invalid status line {Quote(text)}: expected three digits, a space and a reason phrase");
        }

        var reason = text[4..];
        if (HeaderRules.FindInvalidValueChar(reason) >= 0)
        {
            throw Invalid(PyErrorKind.ValueError, $"invalid character in status {Quote(text)}");
        }

        return (code, reason);
    }

    private List<KeyValuePair<string, string>> ParseHeaders(PyBorrowed headers, out long? declaredLength, out bool close)
    {
        declaredLength = null;
        close = false;
        if (!Py.IsList(headers))
        {
            throw Invalid(PyErrorKind.TypeError, "response_headers must be a list of (name, value) tuples");
        }

        var count = Py.ListLength(headers);
        var parsed = new List<KeyValuePair<string, string>>((int)count);
        for (var i = 0; i < count; i++)
        {
            var item = Py.ListItem(headers, i);
            if (!Py.IsTuple(item) || Py.TupleLength(item) != 2)
            {
                throw Invalid(PyErrorKind.TypeError, $"response header {i} must be a (name, value) tuple");
            }

            if (!PyStr.TryGetLatin1(Py.TupleItem(item, 0), out var name) || !HeaderRules.IsToken(name))
            {
                throw Invalid(PyErrorKind.ValueError, $"invalid response header name {Quote(Py.StrOrRepr(Py.TupleItem(item, 0)))}");
            }

            if (!PyStr.TryGetLatin1(Py.TupleItem(item, 1), out var value) || HeaderRules.FindInvalidValueChar(value) >= 0)
            {
                throw Invalid(PyErrorKind.ValueError, $"invalid value for response header {name}: it must be latin-1 text without CR, LF or other control characters");
            }

            if (HeaderRules.IsHopByHop(name))
            {
                // RFC 9110 §7.6.1: connection-specific fields are the server's business. An app's
                // "Connection: close" is honoured; the rest are dropped, as gunicorn does.
                if (name.Equals("Connection", StringComparison.OrdinalIgnoreCase) && value.Trim().Equals("close", StringComparison.OrdinalIgnoreCase))
                {
                    close = true;
                }
                else
                {
                    Log.DroppedHopByHop(_logger, name, Method, Target);
                }

                continue;
            }

            if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                if (!long.TryParse(value.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var length))
                {
                    throw Invalid(PyErrorKind.ValueError, $"invalid Content-Length {Quote(value)}");
                }

                declaredLength = length;
                continue;
            }

            parsed.Add(new(name, value));
        }

        return parsed;
    }

    private PyRaiseException Invalid(PyErrorKind kind, string message)
    {
        Log.InvalidResponse(_logger, Method, Target, message);
        return new PyRaiseException(kind, message);
    }

    private static string Quote(string text) =>
        "'" + text.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal) + "'";
}
