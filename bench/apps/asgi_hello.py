"""Hello world over ASGI 3: a 13-byte body, the smallest response an ASGI app can make.

A plain `async def app(scope, receive, send)`, no framework. It answers the lifespan scope's
startup and shutdown, so every server runs the same app with lifespan on.

It reads the request (its one http.request message) before answering, as an app that consumes
its request does. Hypercorn 0.13 needs that to keep the connection alive: when the app answers
before the request's end has been received, it closes the connection after the response (h11
is still in SEND_BODY on the client's side), and wrk counts a read error for every request.
"""

BODY = b"Hello, world!"
HEADERS = [(b"content-type", b"text/plain"), (b"content-length", b"13")]


async def app(scope, receive, send):
    if scope["type"] == "http":
        message = await receive()  # the request, read to its end (see above)
        while message.get("more_body"):
            message = await receive()
        await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
        await send({"type": "http.response.body", "body": BODY})
    elif scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
