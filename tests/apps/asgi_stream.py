"""ASGI app for backpressure tests: bodies that are never held whole in memory.

  POST /upload              reads the body message by message, hashing as it goes; answers
                            {"length", "sha256", "messages"} as JSON
  GET  /download?size=N&id=X  streams N bytes in 64 KiB messages, counting what send() has
                            accepted under X
  GET  /progress?id=X       how many bytes /download X has handed to send() so far
"""
import hashlib
import json

import asgi_test_support as support

CHUNK = b"x" * (64 * 1024)
_sent = {}


async def upload(scope, receive, send):
    digest = hashlib.sha256()
    length = messages = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return
        messages += 1
        body = message.get("body", b"")
        digest.update(body)
        length += len(body)
        if not message.get("more_body"):
            break
    await support.json_response(send, {"length": length, "sha256": digest.hexdigest(), "messages": messages})


async def download(scope, receive, send):
    await support.read_body(receive)
    args = support.query(scope)
    size, key = int(args["size"]), args["id"]
    _sent[key] = 0
    await send({
        "type": "http.response.start",
        "status": 200,
        "headers": [(b"content-type", b"application/octet-stream"), (b"content-length", str(size).encode())],
    })
    while _sent[key] < size:
        part = CHUNK[: min(len(CHUNK), size - _sent[key])]
        # send() waits while the client is not reading: that wait is the backpressure.
        await send({"type": "http.response.body", "body": part, "more_body": True})
        _sent[key] += len(part)
    await send({"type": "http.response.body", "body": b""})


async def progress(scope, receive, send):
    await support.read_body(receive)
    await support.text(send, str(_sent.get(support.query(scope)["id"], -1)))


ROUTES = {"/upload": upload, "/download": download, "/progress": progress}


async def app(scope, receive, send):
    await support.dispatch(ROUTES, scope, receive, send)
