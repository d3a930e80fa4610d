"""A Pyramid hello app (Debian's python3-pyramid 2)."""
from pyramid.config import Configurator
from pyramid.response import Response


def index(request):
    return Response("Hello from Pyramid\n", content_type="text/plain")


def hello(request):
    return {"framework": "pyramid", "hello": request.matchdict["name"]}


with Configurator() as config:
    config.add_route("index", "/")
    config.add_route("hello", "/hello/{name}")
    config.add_view(index, route_name="index")
    config.add_view(hello, route_name="hello", renderer="json")
    app = config.make_wsgi_app()
