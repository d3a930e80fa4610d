"""What the ASGI bench apps share: reading the request to its end and the lifespan protocol.

Every server runs the same apps with lifespan on, so the apps answer its startup and shutdown.
"""


async def read_request(receive):
    """Receives the request's http.request messages to the last one.

    Hypercorn 0.13 needs this to keep the connection alive: when the app answers before the
    request's end has been received, it closes the connection after the response (h11 is still
    in SEND_BODY on the client's side), and wrk counts a read error for every request.
    """
    message = await receive()
    while message.get("more_body"):
        message = await receive()


async def respond(receive, send, headers, body):
    await read_request(receive)
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def lifespan(receive, send):
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
