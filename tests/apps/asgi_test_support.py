"""Shared helpers for the ASGI test apps (stdlib only): the asyncio twin of dram_test_support.

Every ASGI test app routes paths starting with ``/_`` here, with the same contract as the WSGI
apps (tests/Dram.Tests/Support/AppControl.cs): ``/_release?id=X`` sets event X that an app awaits,
``/_records?id=X`` answers the JSON list recorded under X. An ASGI app must never block its event
loop, so events are ``asyncio.Event`` (created lazily inside a coroutine, on the running loop).
State is module-level, so every server in the test process shares it (they all run in one
embedded interpreter, on one event loop); tests use unique ids.

The apps answer the lifespan protocol (ASGI "Lifespan Protocol") with startup.complete and
shutdown.complete, so the servers that only test HTTP start and stop cleanly.
"""
import asyncio
import json
import threading
from urllib.parse import parse_qs

_lock = threading.Lock()
_events = {}
_records = {}

# How long an app waits for a test to release it before giving up (so a broken server or test
# never leaves a request pending for ever).
WAIT_LIMIT = 15.0


def query(scope):
    """The query string as a dict of last values (percent-decoded as UTF-8)."""
    parsed = parse_qs(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
    return {key: values[-1] for key, values in parsed.items()}


def event(name):
    with _lock:
        found = _events.get(name)
        if found is None:
            found = _events[name] = asyncio.Event()
        return found


async def wait(name, timeout=WAIT_LIMIT):
    """Waits until a test calls ``/_release?id=name``; True if released, False on time-out."""
    try:
        await asyncio.wait_for(event(name).wait(), timeout)
        return True
    except asyncio.TimeoutError:
        return False


def record(key, what):
    with _lock:
        _records.setdefault(key, []).append(what)


def records(key):
    with _lock:
        return list(_records.get(key, ()))


async def read_body(receive):
    """Receives http.request messages until more_body is false: (body, the messages' shapes)."""
    parts = []
    shapes = []
    while True:
        message = await receive()
        shapes.append({
            "type": message["type"],
            "body_type": type(message.get("body")).__name__,
            "length": len(message.get("body", b"")),
            "more_body": message.get("more_body", False),
        })
        if message["type"] != "http.request":
            break
        parts.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(parts), shapes


async def respond(send, body, status=200, content_type=b"text/plain; charset=utf-8", headers=()):
    """One complete response with a Content-Length."""
    await send({
        "type": "http.response.start",
        "status": status,
        "headers": [(b"content-type", content_type), (b"content-length", str(len(body)).encode())] + list(headers),
    })
    await send({"type": "http.response.body", "body": body})


async def text(send, value, status=200):
    await respond(send, value.encode("utf-8"), status)


async def json_response(send, obj, status=200):
    await respond(send, json.dumps(obj).encode("utf-8"), status, b"application/json")


async def lifespan(receive, send):
    """The lifespan protocol with nothing to set up or tear down."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


async def control(scope, receive, send):
    """``/_release?id=X`` sets event X; ``/_records?id=X`` answers what was recorded under X."""
    await read_body(receive)
    args = query(scope)
    if scope["path"] == "/_release":
        event(args["id"]).set()
        return await text(send, "released")
    if scope["path"] == "/_records":
        return await json_response(send, records(args["id"]))
    return await text(send, "no such control route", 404)


async def dispatch(routes, scope, receive, send):
    """Calls the route for scope["path"] (lifespan and control routes first); 404 when there is none.

    A route may also be a prefix ending in "/": "/bad/" serves "/bad/anything".
    """
    if scope["type"] == "lifespan":
        return await lifespan(receive, send)
    path = scope["path"]
    if path.startswith("/_"):
        return await control(scope, receive, send)
    route = routes.get(path)
    if route is None:
        prefix = path[:path.find("/", 1) + 1] if path.find("/", 1) > 0 else None
        route = routes.get(prefix) if prefix else None
    if route is None:
        await read_body(receive)
        return await text(send, "no route " + path, 404)
    return await route(scope, receive, send)
