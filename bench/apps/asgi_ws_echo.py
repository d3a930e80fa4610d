"""WebSocket echo over ASGI 3: accepts, then sends every message back as it came (text as text,
bytes as bytes) until the client disconnects. bench/ws_echo_load.py drives it.

Plain HTTP requests get the 13-byte hello answer, so bench/run can tell when the server is up.
"""
from asgi_common import lifespan, respond

BODY = b"Hello, world!"
HEADERS = [(b"content-type", b"text/plain"), (b"content-length", b"13")]


async def app(scope, receive, send):
    kind = scope["type"]
    if kind == "websocket":
        message = await receive()
        if message["type"] != "websocket.connect":
            return
        await send({"type": "websocket.accept"})
        while True:
            message = await receive()
            if message["type"] == "websocket.receive":
                text = message.get("text")
                if text is not None:
                    await send({"type": "websocket.send", "text": text})
                else:
                    await send({"type": "websocket.send", "bytes": message.get("bytes") or b""})
            elif message["type"] == "websocket.disconnect":
                return
    elif kind == "http":
        await respond(receive, send, HEADERS, BODY)
    elif kind == "lifespan":
        await lifespan(receive, send)
