"""Apps for the --mount tests (tests/Dram.Tests/Mounts/): each answers JSON naming itself and
the URL split it was handed, so a test sees which app got a request and with what.

``wsgi_a``, ``wsgi_b``, ``wsgi_root``: WSGI, answering SCRIPT_NAME, PATH_INFO and QUERY_STRING.
``asgi_a``, ``asgi_b``: ASGI 3, answering root_path, path and raw_path. They answer lifespan.
``asgi_lifespan``: ASGI with a lifespan that takes a moment and writes "startup" and "shutdown"
to a file of its own (named in every answer), so a test can read it after the server stopped.
``asgi_failing``: answers lifespan.startup with lifespan.startup.failed.
``wsgi_sleep``: sleeps ``?seconds=N`` (for --timeout on a mounted WSGI app).
``asgi_sleep``: awaits ``?seconds=N`` (for --timeout on a mounted ASGI app).
"""
import asyncio
import json
import os
import tempfile
import time
import uuid
from urllib.parse import parse_qs

import asgi_test_support as support


def make_wsgi(name):
    def app(environ, start_response):
        body = json.dumps({
            "app": name,
            "script_name": environ["SCRIPT_NAME"],
            "path_info": environ["PATH_INFO"],
            "query": environ["QUERY_STRING"],
        }).encode("utf-8")
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]

    return app


wsgi_a = make_wsgi("wsgi_a")
wsgi_b = make_wsgi("wsgi_b")
wsgi_root = make_wsgi("wsgi_root")


def make_asgi(name):
    async def app(scope, receive, send):
        if scope["type"] == "lifespan":
            return await support.lifespan(receive, send)
        await support.read_body(receive)
        await support.json_response(send, {
            "app": name,
            "root_path": scope["root_path"],
            "path": scope["path"],
            "raw_path": scope["raw_path"].decode("latin-1"),
        })

    return app


asgi_a = make_asgi("asgi_a")
asgi_b = make_asgi("asgi_b")


class LifespanApp:
    """One events file per lifespan run, so servers in one test process never mix their lines."""

    def __init__(self):
        self.events = None

    def _log(self, line):
        with open(self.events, "a", encoding="utf-8") as events:
            events.write(line + "\n")

    async def __call__(self, scope, receive, send):
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await asyncio.sleep(0.2)
                    self.events = os.path.join(tempfile.gettempdir(), "dram-mount-lifespan-%s.log" % uuid.uuid4().hex)
                    self._log("startup")
                    scope["state"]["events"] = self.events
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    self._log("shutdown")
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        await support.read_body(receive)
        await support.json_response(send, {"events": scope["state"].get("events"), "root_path": scope["root_path"]})


asgi_lifespan = LifespanApp()

FAIL_MESSAGE = "dram-test mounted startup failure"


async def asgi_failing(scope, receive, send):
    if scope["type"] == "lifespan":
        await receive()
        await send({"type": "lifespan.startup.failed", "message": FAIL_MESSAGE})
        return
    await support.read_body(receive)
    await support.text(send, "served despite a failed startup")


def wsgi_sleep(environ, start_response):
    seconds = float(parse_qs(environ["QUERY_STRING"]).get("seconds", ["0"])[0])
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        time.sleep(0.01)
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"slept"]


async def asgi_sleep(scope, receive, send):
    if scope["type"] == "lifespan":
        return await support.lifespan(receive, send)
    await support.read_body(receive)
    await asyncio.sleep(float(support.query(scope).get("seconds", "0")))
    await support.text(send, "slept")
