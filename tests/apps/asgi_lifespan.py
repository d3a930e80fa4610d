"""The lifespan protocol (ASGI "Lifespan Protocol", spec version 2.4 with "state").

Each attribute is its own app object, so what one test observes is not mixed with another's:

``app`` takes 0.3 s to start (so a server that does not wait for lifespan.startup.complete before
serving is caught: ``startup_done`` is false meanwhile), then puts into the lifespan state a fresh
``session`` id, a list ``shared`` and a ``counter`` of 0. It appends lines ("startup", "shutdown") to
``EVENTS_DIR/<session>.log``: the test learns that file from a request and reads it, even after the
server has stopped. (The test process's environment cannot be changed for an interpreter already
running in it, so the directory is named after the process id rather than passed in.)
``GET /state?add=V`` answers the request's state as it came (and the events file), then appends V
to ``shared`` (an object shared by every request), and in its own copy sets ``counter`` to 1 and
adds ``added`` (which the next request must not see: each request gets a shallow copy of the
lifespan state).

``failing`` answers lifespan.startup with lifespan.startup.failed and FAIL_MESSAGE.
``http_only`` asserts the scope is http, as many apps do, so it raises on the lifespan scope.
``off_probe`` and ``auto_probe`` (one for each test, so neither sees the other's calls) answer
lifespan properly and keep every scope type they are called with; ``GET /seen`` answers them.
"""
import asyncio
import os
import tempfile
import uuid

import asgi_test_support as support

EVENTS_DIR = os.path.join(tempfile.gettempdir(), "dram-asgi-lifespan-%d" % os.getpid())
FAIL_MESSAGE = "dram-test startup failure marker"


def _events_path(session):
    return os.path.join(EVENTS_DIR, session + ".log")


def _log(session, line):
    os.makedirs(EVENTS_DIR, exist_ok=True)
    with open(_events_path(session), "a", encoding="utf-8") as events:
        events.write(line + "\n")


class StatefulApp:
    def __init__(self):
        self.startup_done = False

    async def __call__(self, scope, receive, send):
        if scope["type"] == "lifespan":
            return await self._lifespan(scope, receive, send)
        if scope["type"] != "http":
            return
        if scope["path"].startswith("/_"):
            return await support.control(scope, receive, send)
        await support.read_body(receive)
        state = scope.get("state")
        if state is None:
            return await support.json_response(send, {"state": None})
        seen = {
            "keys": sorted(state.keys()),
            "session": state.get("session"),
            "shared": list(state.get("shared", [])),
            "counter": state.get("counter"),
            "startup_done": self.startup_done,
            "events": _events_path(state["session"]) if "session" in state else None,
        }
        add = support.query(scope).get("add")
        if add is not None:
            state["shared"].append(add)
            state["counter"] = 1
            state["added"] = True
        await support.json_response(send, seen)

    async def _lifespan(self, scope, receive, send):
        session = None
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self.startup_done = False
                await asyncio.sleep(0.3)
                session = uuid.uuid4().hex
                scope["state"]["session"] = session
                scope["state"]["shared"] = []
                scope["state"]["counter"] = 0
                _log(session, "startup")
                self.startup_done = True
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                _log(session or "no-session", "shutdown")
                await send({"type": "lifespan.shutdown.complete"})
                return


app = StatefulApp()


async def failing(scope, receive, send):
    if scope["type"] == "lifespan":
        message = await receive()
        assert message["type"] == "lifespan.startup"
        await send({"type": "lifespan.startup.failed", "message": FAIL_MESSAGE})
        return
    await support.read_body(receive)
    await support.text(send, "served despite a failed startup")


async def http_only(scope, receive, send):
    assert scope["type"] == "http"
    if scope["path"].startswith("/_"):
        return await support.control(scope, receive, send)
    await support.read_body(receive)
    await support.text(send, "http only")


class ProbeApp:
    def __init__(self):
        self.seen = []

    async def __call__(self, scope, receive, send):
        self.seen.append(scope["type"])
        if scope["type"] == "lifespan":
            return await support.lifespan(receive, send)
        await support.read_body(receive)
        await support.json_response(send, self.seen)


off_probe = ProbeApp()
auto_probe = ProbeApp()
