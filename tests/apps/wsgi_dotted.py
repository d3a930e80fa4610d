"""An app reached through a dotted attribute path: ``wsgi_dotted:obj.inner.app``."""
from types import SimpleNamespace


def _app(environ, start_response):
    body = b"from obj.inner.app"
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


obj = SimpleNamespace(inner=SimpleNamespace(app=_app))
