"""The app behind nginx in tests/Dram.Tests/Deploy: answers what it saw as JSON.

/stream?n=N streams N numbered lines, one write each; /big?n=N answers N bytes of a repeating
pattern; /status/NNN answers that status; anything else echoes the request: method, path,
query, scheme, host, client address, and the body's length and SHA-256.
"""
import hashlib
import json


def app(environ, start_response):
    path = environ["PATH_INFO"]
    query = environ["QUERY_STRING"]
    if path == "/stream":
        n = int(query.split("=")[1])
        start_response("200 OK", [("Content-Type", "text/plain")])
        return (("line %d\n" % i).encode() for i in range(n))
    if path == "/big":
        n = int(query.split("=")[1])
        pattern = bytes(range(256))
        body = (pattern * (n // 256 + 1))[:n]
        start_response("200 OK", [("Content-Type", "application/octet-stream"), ("Content-Length", str(n))])
        return [body]
    if path.startswith("/status/"):
        status = path[len("/status/"):]
        start_response(status + " Whatever", [("Content-Type", "text/plain"), ("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")])
        return [b"status " + status.encode()]
    digest = hashlib.sha256()
    length = 0
    stream = environ["wsgi.input"]
    while True:
        chunk = stream.read(65536)
        if not chunk:
            break
        digest.update(chunk)
        length += len(chunk)
    seen = {
        "method": environ["REQUEST_METHOD"],
        "script_name": environ["SCRIPT_NAME"],
        "path": path,
        "query": query,
        "scheme": environ["wsgi.url_scheme"],
        "host": environ.get("HTTP_HOST"),
        "remote_addr": environ.get("REMOTE_ADDR"),
        "protocol": environ["SERVER_PROTOCOL"],
        "content_type": environ.get("CONTENT_TYPE", ""),
        "user_agent": environ.get("HTTP_USER_AGENT"),
        "body_length": length,
        "body_sha256": digest.hexdigest(),
    }
    body = json.dumps(seen, sort_keys=True).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
