"""Responses (ASGI HTTP "Response Start", "Response Body" and the "Path Send" extension).

Routes:
  /single?n=N           one http.response.body of N bytes, no Content-Length from the app
  /stream?chunks=N      N body messages with more_body=True, then an empty final one; no Content-Length
  /hold-stream?id=X     "first;" with more_body=True, waits for the test to release X, then "second;"
  /length               Content-Length 11 from the app, body sent as "hello " + "world"
  /status?code=N        status N with a body of "status N" (none for 204 and 304)
  /headers              repeated Set-Cookie, a latin-1 value, and trailers=False said explicitly
  /pathsend?path=P      the file P through http.response.pathsend, no Content-Length from the app
  /head                 a 25-byte body that a HEAD request must not get
"""
import asgi_test_support as support


async def single(scope, receive, send):
    await support.read_body(receive)
    size = int(support.query(scope).get("n", "5"))
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"x" * size})


async def stream(scope, receive, send):
    await support.read_body(receive)
    count = int(support.query(scope).get("chunks", "3"))
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    for i in range(count):
        await send({"type": "http.response.body", "body": b"chunk-%d;" % i, "more_body": True})
    await send({"type": "http.response.body", "body": b"", "more_body": False})


async def hold_stream(scope, receive, send):
    await support.read_body(receive)
    key = support.query(scope)["id"]
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"first;", "more_body": True})
    released = await support.wait(key)
    await send({"type": "http.response.body", "body": b"second;" if released else b"timed-out;"})


async def length(scope, receive, send):
    await support.read_body(receive)
    await send({
        "type": "http.response.start",
        "status": 200,
        "headers": [(b"content-type", b"text/plain"), (b"content-length", b"11")],
    })
    await send({"type": "http.response.body", "body": b"hello ", "more_body": True})
    await send({"type": "http.response.body", "body": b"world", "more_body": False})


async def status(scope, receive, send):
    await support.read_body(receive)
    code = int(support.query(scope)["code"])
    await send({"type": "http.response.start", "status": code, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"" if code in (204, 304) else b"status %d" % code})


async def headers(scope, receive, send):
    await support.read_body(receive)
    await send({
        "type": "http.response.start",
        "status": 200,
        "headers": [
            (b"content-type", b"text/plain"),
            (b"set-cookie", b"a=1; Path=/"),
            (b"set-cookie", b"b=2; Path=/"),
            (b"X-Mixed-Case", b"caf\xe9"),
        ],
        "trailers": False,
    })
    await send({"type": "http.response.body", "body": b"headers"})


async def pathsend(scope, receive, send):
    await support.read_body(receive)
    if "http.response.pathsend" not in (scope.get("extensions") or {}):
        return await support.text(send, "the server does not offer http.response.pathsend", 501)
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/octet-stream")]})
    await send({"type": "http.response.pathsend", "path": support.query(scope)["path"]})


async def head(scope, receive, send):
    await support.read_body(receive)
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"this body is not for HEAD"})


ROUTES = {
    "/single": single,
    "/stream": stream,
    "/hold-stream": hold_stream,
    "/length": length,
    "/status": status,
    "/headers": headers,
    "/pathsend": pathsend,
    "/head": head,
}


async def app(scope, receive, send):
    return await support.dispatch(ROUTES, scope, receive, send)
