"""WebSocket fixture app for tests/Dram.Tests/Asgi/WebSocket*.cs (plain ASGI 3, stdlib only).

Each websocket route takes ``?id=X`` and records what it saw under X (read back over HTTP with
``/_records?id=X``, see asgi_test_support): the disconnect it received, the exception a bad
message raised, and so on. HTTP requests go to asgi_test_support's control routes.
"""
import json

import asgi_test_support as support


async def echo(scope, receive, send, args):
    """Accepts (with the first offered subprotocol and one extra header) and echoes every message.

    A text message "close CODE REASON" makes the app close with that code and reason instead; "scope"
    answers the scope's subprotocols and asgi dict. Each receive event's keys are recorded.
    """
    await receive()  # websocket.connect
    offered = scope.get("subprotocols") or []
    await send({
        "type": "websocket.accept",
        "subprotocol": offered[0] if offered else None,
        "headers": [(b"x-dram-accept", b"yes")],
    })
    while True:
        message = await receive()
        if message["type"] == "websocket.disconnect":
            support.record(args.get("id", ""), json.dumps(
                {"type": message["type"], "code": message.get("code"), "reason": message.get("reason", "")}))
            return
        text = message.get("text")
        support.record(args.get("id", "") + "-shape", json.dumps(
            {"keys": sorted(message.keys()), "text": type(text).__name__, "bytes": type(message.get("bytes")).__name__}))
        if text is not None and text.startswith("close "):
            _, code, reason = text.split(" ", 2)
            await send({"type": "websocket.close", "code": int(code), "reason": reason})
            after = await receive()
            support.record(args.get("id", ""), json.dumps({"after_close": after["type"], "code": after.get("code")}))
            return
        if text == "scope":
            await send({"type": "websocket.send", "text": json.dumps(
                {"subprotocols": offered, "asgi": scope["asgi"], "scheme": scope["scheme"], "path": scope["path"]})})
        elif text is not None:
            await send({"type": "websocket.send", "text": text})
        else:
            await send({"type": "websocket.send", "bytes": message["bytes"]})


async def deny(scope, receive, send, args):
    """websocket.close before websocket.accept: the server answers 403."""
    await receive()
    await send({"type": "websocket.close"})
    after = await receive()
    support.record(args.get("id", ""), json.dumps({"after_deny": after["type"], "code": after.get("code")}))


async def deny_response(scope, receive, send, args):
    """The denial response extension: a 418 with a header and a body in two parts."""
    await receive()
    assert "websocket.http.response" in scope.get("extensions", {})
    await send({"type": "websocket.http.response.start", "status": 418,
                "headers": [(b"content-type", b"text/plain"), (b"x-dram-denied", b"teapot")]})
    await send({"type": "websocket.http.response.body", "body": b"no websocket ", "more_body": True})
    await send({"type": "websocket.http.response.body", "body": b"for you"})


async def end_before_accept(scope, receive, send, args):
    """Returns (or raises, with ?raise=MARKER) without accepting: 403 either way."""
    await receive()
    if "raise" in args:
        raise ValueError("dram-test failure before accept " + args["raise"])


async def end_after_accept(scope, receive, send, args):
    """Accepts, sends one message, then returns (close 1000) or raises (?raise=MARKER, close 1011)."""
    await receive()
    await send({"type": "websocket.accept"})
    await send({"type": "websocket.send", "text": "hello"})
    if "raise" in args:
        raise ValueError("dram-test failure after accept " + args["raise"])


async def bad(scope, receive, send, args):
    """Sends a message out of order (?case=...), records the error, then goes on as a good app."""
    await receive()
    case = args.get("case")

    async def attempt(message):
        try:
            await send(message)
        except Exception as error:  # noqa: BLE001 - the test wants to see exactly what was raised
            support.record(args.get("id", ""), json.dumps({"error": type(error).__name__, "message": str(error)}))
        else:
            support.record(args.get("id", ""), json.dumps({"error": None}))

    if case == "send-before-accept":
        await attempt({"type": "websocket.send", "text": "too early"})
    await send({"type": "websocket.accept"})
    if case == "accept-twice":
        await attempt({"type": "websocket.accept"})
    elif case == "unknown":
        await attempt({"type": "websocket.bogus"})
    elif case == "both":
        await attempt({"type": "websocket.send", "text": "a", "bytes": b"b"})
    await send({"type": "websocket.send", "text": "still here"})
    await send({"type": "websocket.close", "code": 1000})


async def wait_disconnect(scope, receive, send, args):
    """Accepts and waits for the disconnect (ping timeout, server shutdown), then tries to send."""
    await receive()
    await send({"type": "websocket.accept"})
    message = await receive()
    support.record(args.get("id", ""), json.dumps({"type": message["type"], "code": message.get("code")}))
    try:
        await send({"type": "websocket.send", "text": "after disconnect"})
    except OSError as error:
        support.record(args.get("id", ""), json.dumps({"send": type(error).__name__}))


async def wait_before_accept(scope, receive, send, args):
    """Waits in receive() without accepting: the client leaving resolves it with websocket.disconnect."""
    await receive()
    message = await receive()
    support.record(args.get("id", ""), json.dumps({"type": message["type"], "code": message.get("code")}))


async def slow_reader(scope, receive, send, args):
    """Accepts and reads nothing until released (?id): the server must not read far ahead."""
    await receive()
    await send({"type": "websocket.accept"})
    await support.wait(args.get("id", ""))
    count = 0
    while True:
        message = await receive()
        if message["type"] == "websocket.disconnect":
            break
        count += 1
        await send({"type": "websocket.send", "text": str(count)})
    support.record(args.get("id", ""), json.dumps({"received": count}))


ROUTES = {
    "/echo": echo,
    "/deny": deny,
    "/deny-response": deny_response,
    "/end-before-accept": end_before_accept,
    "/end-after-accept": end_after_accept,
    "/bad": bad,
    "/wait-disconnect": wait_disconnect,
    "/wait-before-accept": wait_before_accept,
    "/slow-reader": slow_reader,
}


async def app(scope, receive, send):
    if scope["type"] == "websocket":
        route = ROUTES.get(scope["path"])
        if route is None:
            await receive()
            await send({"type": "websocket.close", "code": 1008})
            return
        return await route(scope, receive, send, support.query(scope))
    return await support.dispatch({}, scope, receive, send)
