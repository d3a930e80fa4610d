"""Echo app for the HTTP request corpus replay (tests/Dram.Tests/Corpus).

Answers every request with JSON: the environ keys that carry the parsed request
(REQUEST_METHOD, PATH_INFO, QUERY_STRING, SERVER_PROTOCOL, every HTTP_* and CONTENT_* key)
and the body, read from wsgi.input until it returns b"", as base64. Strings are latin-1
native strings (PEP 3333); JSON carries them as code points U+0000-U+00FF.

An error while reading the body (a bad chunk, a forbidden trailer) propagates, so the server
answers with the status its body reader chose.
"""
import base64
import json

_KEYS = ("REQUEST_METHOD", "PATH_INFO", "QUERY_STRING", "SERVER_PROTOCOL")


def app(environ, start_response):
    stream = environ["wsgi.input"]
    parts = []
    while True:
        chunk = stream.read(65536)
        if not chunk:
            break
        parts.append(chunk)

    values = {key: environ.get(key) for key in _KEYS}
    for key, value in environ.items():
        if key.startswith(("HTTP_", "CONTENT_")):
            values[key] = value

    body = json.dumps({
        "environ": values,
        "body_b64": base64.b64encode(b"".join(parts)).decode("ascii"),
    }).encode("utf-8")
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
