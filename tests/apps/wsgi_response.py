"""Response shapes: generators, write(), Content-Length right and wrong, HEAD/204/205/304, reasons.

Conforming routes are wrapped in ``wsgiref.validate.validator``; routes that break the rules on
purpose (a wrong Content-Length, a body on a 204, str chunks) are not.
"""
import time
from wsgiref.validate import validator

import dram_test_support as support

TEXT = [("Content-Type", "text/plain")]


def generated(environ, start_response):
    args = support.query(environ)
    count = int(args.get("n", "5"))
    size = int(args.get("size", "1000"))
    start_response("200 OK", list(TEXT))

    def chunks():
        for index in range(count):
            yield bytes([ord("a") + index % 26]) * size

    return chunks()


def with_empty_chunks(environ, start_response):
    start_response("200 OK", list(TEXT))

    def chunks():
        yield b""
        yield b"first-"
        yield b""
        yield b"second"
        yield b""

    return chunks()


def handshake(environ, start_response):
    """Yields block i, then waits for /_release?id=<id>-<i> before producing the next one."""
    args = support.query(environ)
    blocks = int(args.get("n", "3"))
    start_response("200 OK", list(TEXT))

    def chunks():
        for index in range(blocks):
            yield ("block-%d;" % index).encode("ascii")
            if index + 1 < blocks and not support.wait("%s-%d" % (args["id"], index)):
                yield b"TIMED-OUT"
                return

    return chunks()


def write_callable(environ, start_response):
    write = start_response("200 OK", list(TEXT))
    write(b"written-")
    write(b"")
    write(b"more-")
    return [b"returned"]


def write_only(environ, start_response):
    write = start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "12")])
    write(b"only-written")
    return []


def length_exact(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "10")])
    return [b"01234", b"56789"]


def length_short(environ, start_response):
    """Declares 10 bytes, sends 5: the server must not pretend the response is complete."""
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "10")])
    return [b"short"]


def length_long(environ, start_response):
    """Declares 5 bytes, sends 5 and then 10 more: the extra must never reach the wire."""
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "5")])
    return [b"12345", b"EXTRA-DATA"]


def head_body(environ, start_response):
    body = b"hello-head"
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


def head_generated(environ, start_response):
    start_response("200 OK", list(TEXT))
    return iter([b"generated-", b"body"])


def status_no_body(environ, start_response):
    code = support.query(environ).get("code", "204")
    start_response(_no_body_status(code), _no_body_headers(code))
    return [b""]


def status_with_body(environ, start_response):
    """A 204/205/304 whose app yields a body anyway: the server must not send it."""
    code = support.query(environ).get("code", "204")
    start_response(_no_body_status(code), _no_body_headers(code))
    return [b"BODY-THAT-MUST-NOT-BE-SENT"]


def _no_body_status(code):
    return "%s %s" % (code, {"204": "No Content", "205": "Reset Content", "304": "Not Modified"}[code])


def _no_body_headers(code):
    # wsgiref.validate exempts only 204 and 304 from Content-Type.
    headers = [("X-Dram-Status", code)]
    if code == "205":
        headers.append(("Content-Type", "text/plain"))
    return headers


def custom_reason(environ, start_response):
    start_response("299 Dram Custom Reason", list(TEXT))
    return [b"custom"]


def str_chunk(environ, start_response):
    start_response("200 OK", list(TEXT))
    return ["a str, not bytes"]


def slow(environ, start_response):
    """A small response that takes a moment, so the one after it on a pipeline waits."""
    time.sleep(float(support.query(environ).get("s", "0.2")))
    return support.text_response(start_response, "slow-done")


ROUTES = {
    "/gen": validator(generated),
    "/gen-empty": validator(with_empty_chunks),
    "/handshake": validator(handshake),
    "/write": validator(write_callable),
    "/write-only": validator(write_only),
    "/cl-exact": validator(length_exact),
    "/cl-short": length_short,
    "/cl-long": length_long,
    "/head": validator(head_body),
    "/head-gen": validator(head_generated),
    "/status": validator(status_no_body),
    "/status-body": status_with_body,
    "/reason": validator(custom_reason),
    "/str-chunk": str_chunk,
    "/slow": validator(slow),
}


def app(environ, start_response):
    return support.dispatch(ROUTES, environ, start_response)
