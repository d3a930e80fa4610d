"""The quick-start app: ``./dram samples.hello:app`` serves it on http://127.0.0.1:8000.

A plain PEP 3333 callable using only the standard library, so it runs on any interpreter Dram
can embed. It greets by name (``/?name=Ada``) and echoes a POSTed body back, to show request
bodies streaming through ``wsgi.input``.
"""
from html import escape
from urllib.parse import parse_qs


def app(environ, start_response):
    if environ["REQUEST_METHOD"] == "POST":
        body = environ["wsgi.input"].read()
        start_response("200 OK", [
            ("Content-Type", environ.get("CONTENT_TYPE") or "application/octet-stream"),
            ("Content-Length", str(len(body))),
        ])
        return [body]

    name = parse_qs(environ.get("QUERY_STRING", "")).get("name", ["world"])[0]
    page = "<!doctype html><title>Hello</title><h1>Hello, %s!</h1>\n" % escape(name)
    data = page.encode("utf-8")
    start_response("200 OK", [
        ("Content-Type", "text/html; charset=utf-8"),
        ("Content-Length", str(len(data))),
    ])
    return [data]


# gunicorn's convention: ``./dram samples.hello`` looks for ``application``.
application = app
