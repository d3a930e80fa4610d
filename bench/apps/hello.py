"""Hello world: a 13-byte body, the smallest response a WSGI app can make."""

BODY = b"Hello, world!"


def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "13")])
    return [BODY]
