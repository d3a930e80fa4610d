"""The event loop Dram runs on py-main for ASGI apps (research/embedding.md section 7.7).

.NET hands work to the loop through one eventfd watched with add_reader: one wake-up per
batch of events, instead of asyncio's socket write on every call_soon_threadsafe.
"""
import asyncio


def new_loop(kind):
    """Returns (loop, name). kind: 'auto' (uvloop when importable), 'asyncio' or 'uvloop'."""
    if kind in ("auto", "uvloop"):
        try:
            import uvloop
        except ImportError:
            if kind == "uvloop":
                raise
        else:
            return uvloop.new_event_loop(), "uvloop"
    return asyncio.new_event_loop(), "asyncio"


def run(loop, efd, drain, started):
    """Runs the loop forever on the calling thread (py-main)."""
    asyncio.set_event_loop(loop)
    loop.add_reader(efd, drain)
    loop.call_soon(started)
    loop.run_forever()


def done_future(loop, value):
    """An already-resolved future: awaiting it returns value without a trip through the loop."""
    future = loop.create_future()
    future.set_result(value)
    return future


def resolve(future, value):
    if not future.done():
        future.set_result(value)


def fail(future, exception):
    if not future.done():
        future.set_exception(exception)
