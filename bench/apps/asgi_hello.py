"""Hello world over ASGI 3: a 13-byte body, the smallest response an ASGI app can make.

A plain `async def app(scope, receive, send)`, no framework. It reads its request to the end
before answering, as an app that consumes its request does (asgi_common.read_request says why
hypercorn needs it), and answers lifespan.
"""
from asgi_common import lifespan, respond

BODY = b"Hello, world!"
HEADERS = [(b"content-type", b"text/plain"), (b"content-length", b"13")]


async def app(scope, receive, send):
    if scope["type"] == "http":
        await respond(receive, send, HEADERS, BODY)
    elif scope["type"] == "lifespan":
        await lifespan(receive, send)
