"""Apps that count their calls, for the --static tests: a request a static route answers must
never reach them. GET /count answers the number of calls so far, that one included, so a test
reads the count before and after and expects a difference of exactly one."""
import threading

_lock = threading.Lock()
_calls = {"wsgi": 0, "asgi": 0}


def _count(kind):
    with _lock:
        _calls[kind] += 1
        return _calls[kind]


def app(environ, start_response):
    calls = _count("wsgi")
    body = f"app {environ['PATH_INFO']} calls={calls}".encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


async def asgi_app(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            else:
                await send({"type": "lifespan.shutdown.complete"})
                return
    calls = _count("asgi")
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 1000})
        return
    body = f"app {scope['path']} calls={calls}".encode()
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": body})
