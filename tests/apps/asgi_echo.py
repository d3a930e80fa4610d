"""Echo app (ASGI 3, a coroutine function): answers with the request's scope as JSON.

The body is received in full (http.request messages until more_body is false) and reported as its
length and SHA-256, with the shape of every message received. Bytes in the scope (raw_path,
query_string, header names and values) are decoded as latin-1, which maps each byte to one
character, so a test sees exactly the bytes the server put there; "types" gives the Python type
of every scope key and "header_shapes" the type and length of every header item.

Other routes: ``/loop`` names the running event loop's class; ``/hold?id=X`` records "waiting"
under X and answers once the test releases X (so a test can hold many requests open at once).
"""
import asyncio
import hashlib

import asgi_test_support as support


def _latin1(value):
    return value.decode("latin-1") if isinstance(value, (bytes, bytearray)) else value


def _scope_json(scope):
    values = {}
    for key in ("type", "http_version", "method", "scheme", "path", "root_path"):
        values[key] = scope.get(key)
    values["asgi"] = dict(scope.get("asgi", {}))
    values["raw_path"] = _latin1(scope.get("raw_path"))
    values["query_string"] = _latin1(scope.get("query_string"))
    values["headers"] = [[_latin1(item[0]), _latin1(item[1])] for item in scope.get("headers", [])]
    values["client"] = list(scope["client"]) if scope.get("client") is not None else None
    values["server"] = list(scope["server"]) if scope.get("server") is not None else None
    values["extensions"] = sorted((scope.get("extensions") or {}).keys())
    return values


async def echo(scope, receive, send):
    body, shapes = await support.read_body(receive)
    await support.json_response(send, {
        "scope": _scope_json(scope),
        "types": {key: type(value).__name__ for key, value in scope.items()},
        "header_shapes": [
            [type(item).__name__, len(item), type(item[0]).__name__, type(item[1]).__name__]
            for item in scope.get("headers", [])
        ],
        "messages": shapes,
        "input": {"length": len(body), "sha256": hashlib.sha256(body).hexdigest()},
    })


async def loop(scope, receive, send):
    await support.read_body(receive)
    running = type(asyncio.get_running_loop())
    await support.text(send, running.__module__ + "." + running.__qualname__)


async def hold(scope, receive, send):
    await support.read_body(receive)
    key = support.query(scope)["id"]
    support.record(key, "waiting")
    released = await support.wait(key)
    await support.text(send, "released" if released else "timed out")


ROUTES = {
    "/loop": loop,
    "/hold": hold,
}


async def app(scope, receive, send):
    if scope["type"] == "http" and scope["path"] not in ROUTES and not scope["path"].startswith("/_"):
        return await echo(scope, receive, send)
    return await support.dispatch(ROUTES, scope, receive, send)
