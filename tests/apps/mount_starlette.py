"""A Starlette app for the --mount tests: routing sees the path below the mount, url_for and
request.url carry the prefix (Starlette 0.26 builds them from root_path + path), the lifespan
state reaches requests, and a WebSocket route echoes."""
import contextlib

from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute


@contextlib.asynccontextmanager
async def lifespan(app):
    yield {"greeting": "started under a mount"}


async def index(request):
    return JSONResponse({
        "root_path": request.scope["root_path"],
        "path": request.scope["path"],
        "url": str(request.url),
        "page": str(request.url_for("page", name="x")),
        "greeting": request.state.greeting,
    })


async def page(request):
    return JSONResponse({"page": request.path_params["name"], "url": str(request.url)})


async def echo(websocket):
    await websocket.accept()
    message = await websocket.receive_text()
    await websocket.send_text("%s at %s" % (message, websocket.scope["root_path"]))
    await websocket.close()


app = Starlette(
    routes=[Route("/", index), Route("/page/{name}", page, name="page"), WebSocketRoute("/ws", echo)],
    lifespan=lifespan,
)
