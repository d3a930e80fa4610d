"""A module whose app has the default name ``application`` (``--app wsgi_default``)."""


def application(environ, start_response):
    body = b"from application"
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
