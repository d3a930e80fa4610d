"""A 10 KiB body (10,240 bytes) with Content-Length: a typical small page or JSON answer."""

BODY = b"x" * 10240


def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(BODY)))])
    return [BODY]
