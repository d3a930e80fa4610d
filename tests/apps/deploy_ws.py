"""The ASGI app mounted at /ws behind nginx in tests/Dram.Tests/Deploy: a WebSocket echo.

A text message "scope" is answered with what the app saw (root_path, path, scheme, client host);
anything else is echoed back. HTTP requests get a JSON line of the same.
"""
import json


def _seen(scope):
    return json.dumps({
        "type": scope["type"],
        "root_path": scope.get("root_path", ""),
        "path": scope["path"],
        "scheme": scope["scheme"],
        "client": scope["client"][0] if scope.get("client") else None,
    })


async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            await send({"type": message["type"] + ".complete"})
            if message["type"] == "lifespan.shutdown":
                return
    if scope["type"] == "http":
        body = _seen(scope).encode()
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": body})
        return
    await receive()  # websocket.connect
    await send({"type": "websocket.accept"})
    while True:
        message = await receive()
        if message["type"] == "websocket.disconnect":
            return
        text = message.get("text")
        if text == "scope":
            await send({"type": "websocket.send", "text": _seen(scope)})
        elif text is not None:
            await send({"type": "websocket.send", "text": text})
        else:
            await send({"type": "websocket.send", "bytes": message["bytes"]})
