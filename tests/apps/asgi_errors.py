"""App exceptions, invalid messages, disconnects and time-outs (ASGI HTTP spec; "Error Handling").

Routes:
  /raise-before?marker=M           raises before http.response.start
  /raise-after-start?marker=M&id=X[&length=N]
                                   starts (with Content-Length N when given, else without), sends
                                   "partial-body;" with more_body=True, waits for the test to release
                                   X, then raises
  /no-start                        returns without sending anything
  /bad/KIND/M[?catch=1]            sends an invalid message (KIND below). With catch=1 the app
                                   catches what send() raises and answers 200 "caught TYPE ..."
                                   ("no exception" if send() accepted it); without, it raises its own
                                   error from it (message "dram-test uncaught M")
  /send-after-disconnect?id=X      starts, sends a block, records "started", awaits receive()
                                   (records its type once the client has gone), then sends again
                                   and records what send() raised
  /wait-disconnect?id=X            reads the whole body, records "body-done", awaits receive()
                                   again and records the type of what it returns
  /receive-after-response?id=X     answers "done", then awaits receive() and records its type
  /timeout?id=X                    records "started", sleeps 30 s; records "cancelled" if cancelled
  /timeout-after-start?id=X        as /timeout after sending "first-block;" with more_body=True
  /ok                              "ok"

KIND: body-before-start, double-start, unknown-type, missing-status, str-body.
"""
import asyncio

import asgi_test_support as support

START = {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]}


async def raise_before(scope, receive, send):
    await support.read_body(receive)
    raise ValueError("dram-test failure before start " + support.query(scope)["marker"])


async def raise_after_start(scope, receive, send):
    await support.read_body(receive)
    args = support.query(scope)
    headers = [(b"content-type", b"text/plain")]
    if "length" in args:
        headers.append((b"content-length", args["length"].encode()))
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": b"partial-body;", "more_body": True})
    await support.wait(args["id"])
    raise RuntimeError("dram-test failure after start " + args["marker"])


async def no_start(scope, receive, send):
    await support.read_body(receive)


# Each sends one invalid message; returns whether a valid http.response.start went out before it.
async def _body_before_start(send):
    await send({"type": "http.response.body", "body": b"too early"})
    return False


async def _double_start(send):
    await send(dict(START))
    await send(dict(START))
    return True


async def _unknown_type(send):
    await send({"type": "http.response.dram-test-unknown", "body": b"?"})
    return False


async def _missing_status(send):
    await send({"type": "http.response.start", "headers": [(b"content-type", b"text/plain")]})
    return False


async def _str_body(send):
    await send(dict(START))
    await send({"type": "http.response.body", "body": "a str, not bytes"})
    return True


BAD = {
    "body-before-start": (_body_before_start, False),
    "double-start": (_double_start, True),
    "unknown-type": (_unknown_type, False),
    "missing-status": (_missing_status, False),
    "str-body": (_str_body, True),
}


async def bad(scope, receive, send):
    await support.read_body(receive)
    _, kind, marker = scope["path"].split("/")[1:4]
    action, started = BAD[kind]
    catch = support.query(scope).get("catch") == "1"
    try:
        await action(send)
        answer = b"no exception"
    except Exception as error:
        if not catch:
            raise RuntimeError("dram-test uncaught " + marker) from error
        expected = isinstance(error, (RuntimeError, TypeError, ValueError))
        answer = ("caught %s expected=%s: %s" % (type(error).__name__, expected, error)).encode()
    if not started:
        await send(dict(START))
    await send({"type": "http.response.body", "body": answer})


async def send_after_disconnect(scope, receive, send):
    await support.read_body(receive)
    key = support.query(scope)["id"]
    await send(dict(START))
    await send({"type": "http.response.body", "body": b"partial;", "more_body": True})
    support.record(key, "started")
    message = await asyncio.wait_for(receive(), support.WAIT_LIMIT)
    support.record(key, message["type"])
    try:
        await send({"type": "http.response.body", "body": b"after;", "more_body": True})
        support.record(key, "no exception")
    except OSError as error:
        support.record(key, "OSError " + type(error).__name__)
    except Exception as error:  # what a server should not raise here, reported as such
        support.record(key, "not an OSError: " + type(error).__name__)


async def wait_disconnect(scope, receive, send):
    await support.read_body(receive)
    key = support.query(scope)["id"]
    support.record(key, "body-done")
    try:
        message = await asyncio.wait_for(receive(), support.WAIT_LIMIT)
        support.record(key, message["type"])
    except asyncio.TimeoutError:
        support.record(key, "receive() still waiting after %s s" % support.WAIT_LIMIT)
    try:
        await support.text(send, "too late")
    except OSError:
        pass


async def receive_after_response(scope, receive, send):
    await support.read_body(receive)
    key = support.query(scope)["id"]
    await support.text(send, "done")
    try:
        message = await asyncio.wait_for(receive(), support.WAIT_LIMIT)
        support.record(key, message["type"])
    except asyncio.TimeoutError:
        support.record(key, "receive() still waiting after %s s" % support.WAIT_LIMIT)


async def _sleep_recording(key):
    support.record(key, "started")
    try:
        await asyncio.sleep(30)
    except asyncio.CancelledError:
        support.record(key, "cancelled")
        raise
    support.record(key, "never cancelled")


async def timeout(scope, receive, send):
    await support.read_body(receive)
    key = support.query(scope)["id"]
    await _sleep_recording(key)
    await support.text(send, "never timed out")


async def timeout_after_start(scope, receive, send):
    await support.read_body(receive)
    key = support.query(scope)["id"]
    await send(dict(START))
    await send({"type": "http.response.body", "body": b"first-block;", "more_body": True})
    await _sleep_recording(key)
    await send({"type": "http.response.body", "body": b"never timed out"})


async def ok(scope, receive, send):
    await support.read_body(receive)
    await support.text(send, "ok")


ROUTES = {
    "/raise-before": raise_before,
    "/raise-after-start": raise_after_start,
    "/no-start": no_start,
    "/bad/": bad,
    "/send-after-disconnect": send_after_disconnect,
    "/wait-disconnect": wait_disconnect,
    "/receive-after-response": receive_after_response,
    "/timeout": timeout,
    "/timeout-after-start": timeout_after_start,
    "/ok": ok,
}


async def app(scope, receive, send):
    return await support.dispatch(ROUTES, scope, receive, send)
