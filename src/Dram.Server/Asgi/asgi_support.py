"""The Python half of Dram's ASGI 3 support (https://asgi.readthedocs.io/en/latest/specs/).

The request's receive() and send() are native functions; this module holds what is simpler
in Python: telling ASGI apps from WSGI ones, the coroutine that runs an app and reports how
it ended, and the lifespan protocol, which runs once per server and is not on the hot path.
"""
import asyncio
import inspect
import traceback

_finish = None  # set by Dram: _finish(handle, outcome, detail)

OK, ERROR, CANCELLED, DISCONNECTED = 0, 1, 2, 3


class ClientDisconnected(OSError):
    """send() after the client went away (ASGI HTTP spec 2.4: an OSError subclass)."""


def is_asgi(app):
    """ASGI 3: a coroutine function, or an object whose __call__ is one (Starlette, Django)."""
    if inspect.iscoroutinefunction(app):
        return True
    call = getattr(app, "__call__", None)
    return call is not None and inspect.iscoroutinefunction(call)


async def run(app, scope, receive, send, handle):
    """Runs one connection's app call and tells Dram how it ended."""
    try:
        await app(scope, receive, send)
    except asyncio.CancelledError:
        _finish(handle, CANCELLED, "")
    except ClientDisconnected:
        _finish(handle, DISCONNECTED, "")
    except BaseException as error:  # noqa: B902 - SystemExit in a request must not stop the loop
        _finish(handle, ERROR, "".join(traceback.format_exception(type(error), error, error.__traceback__)))
    else:
        _finish(handle, OK, "")


class LifespanFailed(Exception):
    pass


class Lifespan:
    """One server's lifespan scope (ASGI lifespan spec): startup before serving, shutdown after."""

    def __init__(self, app, state):
        self.app = app
        self.state = state
        self.inbox = asyncio.Queue()
        self.outbox = asyncio.Queue()
        self.answered = False
        self.error = None
        self.task = None

    async def _main(self):
        scope = {
            "type": "lifespan",
            "asgi": {"version": "3.0", "spec_version": "2.0"},
            "state": self.state,
        }
        try:
            await self.app(scope, self.receive, self.send)
        except BaseException as error:  # noqa: B902
            self.error = error
        finally:
            self.outbox.put_nowait(None)

    async def receive(self):
        return await self.inbox.get()

    async def send(self, message):
        kind = message.get("type") if isinstance(message, dict) else None
        if kind not in (
            "lifespan.startup.complete",
            "lifespan.startup.failed",
            "lifespan.shutdown.complete",
            "lifespan.shutdown.failed",
        ):
            raise RuntimeError("unexpected ASGI lifespan message %r" % (kind,))
        self.answered = True
        await self.outbox.put(message)

    async def _answer(self, phase):
        message = await self.outbox.get()
        if message is None:
            if self.error is not None and not self.answered:
                # The app does not speak lifespan (often `assert scope["type"] == "http"`).
                return ("unsupported", _describe(self.error))
            if self.error is not None:
                return ("failed", _describe(self.error))
            return ("unsupported", "the app returned without answering lifespan.%s" % phase)
        kind = message["type"]
        if kind.endswith(".failed"):
            return ("failed", str(message.get("message", "")))
        if kind != "lifespan.%s.complete" % phase:
            return ("failed", "expected lifespan.%s.complete, got %s" % (phase, kind))
        return ("ok", "")

    async def startup(self):
        self.task = asyncio.get_running_loop().create_task(self._main())
        await self.inbox.put({"type": "lifespan.startup"})
        return await self._answer("startup")

    async def shutdown(self):
        if self.task is None or self.task.done():
            return ("ok", "")
        await self.inbox.put({"type": "lifespan.shutdown"})
        return await self._answer("shutdown")


def _describe(error):
    return "".join(traceback.format_exception(type(error), error, error.__traceback__)).rstrip()


async def report(coroutine, done, token):
    """Awaits coroutine (which returns (status, message)) and calls done(token, status, message)."""
    try:
        status, message = await coroutine
    except BaseException as error:  # noqa: B902
        status, message = "failed", _describe(error)
    done(token, status, message)
