"""Exercises every wsgi.input method PEP 3333 lists.

Not wrapped in ``wsgiref.validate.validator``: the validator only allows ``read`` with exactly one
argument, and PEP 3333 says a server should also allow ``read()`` with none. Lines and chunks are
returned as latin-1 text so the bytes survive JSON unchanged.
"""
import hashlib

import dram_test_support as support


def _summary(data):
    return {"length": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def read_n(environ, start_response):
    size = int(support.query(environ).get("n", "1000"))
    stream = environ["wsgi.input"]
    sizes = []
    data = bytearray()
    while True:
        chunk = stream.read(size)
        if not chunk:
            break
        sizes.append(len(chunk))
        data += chunk
    # Reading an exhausted stream must keep returning b"".
    again = stream.read(size)
    result = _summary(bytes(data))
    result.update({"sizes": sizes, "after_eof": len(again)})
    return support.json_response(start_response, result)


def read_all(environ, start_response):
    stream = environ["wsgi.input"]
    data = stream.read()
    again = stream.read()
    result = _summary(data)
    result.update({"type": type(data).__name__, "after_eof": len(again)})
    return support.json_response(start_response, result)


def read_none(environ, start_response):
    stream = environ["wsgi.input"]
    data = stream.read(None)
    result = _summary(data)
    return support.json_response(start_response, result)


def readline(environ, start_response):
    args = support.query(environ)
    stream = environ["wsgi.input"]
    lines = []
    while True:
        line = stream.readline(int(args["n"])) if "n" in args else stream.readline()
        if not line:
            break
        lines.append(line.decode("latin-1"))
    return support.json_response(start_response, {"lines": lines})


def readlines(environ, start_response):
    args = support.query(environ)
    stream = environ["wsgi.input"]
    got = stream.readlines(int(args["hint"])) if "hint" in args else stream.readlines()
    rest = stream.read()
    return support.json_response(start_response, {
        "lines": [line.decode("latin-1") for line in got],
        "rest": rest.decode("latin-1"),
    })


def iterate(environ, start_response):
    lines = [line.decode("latin-1") for line in environ["wsgi.input"]]
    return support.json_response(start_response, {"lines": lines})


def never_read(environ, start_response):
    return support.text_response(start_response, "did not read")


def wait_then_read(environ, start_response):
    """Prints a marker, waits to be released, and only then reads (for Expect: 100-continue)."""
    args = support.query(environ)
    print("dram-test waiting-before-read " + args["id"])
    released = support.wait(args["id"])
    data = environ["wsgi.input"].read()
    result = _summary(data)
    result["released"] = released
    return support.json_response(start_response, result)


ROUTES = {
    "/read-n": read_n,
    "/read-all": read_all,
    "/read-none": read_none,
    "/readline": readline,
    "/readlines": readlines,
    "/iter": iterate,
    "/never-read": never_read,
    "/wait-then-read": wait_then_read,
}


def app(environ, start_response):
    return support.dispatch(ROUTES, environ, start_response)
