"""A 10 KiB body (10,240 bytes) with content-length over ASGI 3, the twin of body_10k.py."""
from asgi_common import lifespan, respond

BODY = b"x" * 10240
HEADERS = [(b"content-type", b"text/plain"), (b"content-length", str(len(BODY)).encode())]


async def app(scope, receive, send):
    if scope["type"] == "http":
        await respond(receive, send, HEADERS, BODY)
    elif scope["type"] == "lifespan":
        await lifespan(receive, send)
