"""A Starlette app (Debian's python3-starlette): routing, JSON, a request body, a streamed response,
a background task run after the response, and lifespan state (Starlette 0.26's lifespan context
yields the state; each request sees it as request.state).

``/background?id=X`` answers "scheduled" at once; its background task records "started" under X,
waits for the test to release X, then records "done". That the test holds the answer while the
task is still waiting proves the task runs after the response was sent. The control routes of
tests/apps/asgi_test_support.py (``/_release``, ``/_records``) are routes of this app too.
"""
import contextlib
import hashlib

from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.responses import JSONResponse, PlainTextResponse, StreamingResponse
from starlette.routing import Route

import asgi_test_support as support


@contextlib.asynccontextmanager
async def lifespan(app):
    yield {"greeting": "hello from the lifespan", "visits": []}


async def index(request):
    return PlainTextResponse("Starlette under test\n")


async def item(request):
    return JSONResponse({
        "id": request.path_params["item_id"],
        "q": request.query_params.get("q"),
        "tags": request.query_params.getlist("tag"),
    })


async def echo(request):
    body = await request.body()
    return JSONResponse({
        "length": len(body),
        "sha256": hashlib.sha256(body).hexdigest(),
        "content_type": request.headers.get("content-type"),
    })


async def stream(request):
    count = request.path_params["count"]

    async def rows():
        for i in range(count):
            yield "row %d\n" % i

    return StreamingResponse(rows(), media_type="text/plain")


async def _later(key):
    support.record(key, "started")
    released = await support.wait(key)
    support.record(key, "done" if released else "timed out")


async def background(request):
    key = request.query_params["id"]
    return PlainTextResponse("scheduled", background=BackgroundTask(_later, key))


async def state(request):
    request.state.visits.append(request.query_params.get("visit", ""))
    return JSONResponse({"greeting": request.state.greeting, "visits": list(request.state.visits)})


async def release(request):
    support.event(request.query_params["id"]).set()
    return PlainTextResponse("released")


async def records(request):
    return JSONResponse(support.records(request.query_params["id"]))


app = Starlette(
    routes=[
        Route("/", index),
        Route("/items/{item_id:int}", item),
        Route("/echo", echo, methods=["POST"]),
        Route("/stream/{count:int}", stream),
        Route("/background", background),
        Route("/state", state),
        Route("/_release", release),
        Route("/_records", records),
    ],
    lifespan=lifespan,
)
