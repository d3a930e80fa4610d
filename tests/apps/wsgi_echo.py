"""Echo app: answers with the request's WSGI environ as JSON.

The body is read in full with ``wsgi.input.read(65536)`` until it returns b"" and reported as its
length and SHA-256. Values that JSON can carry (str, int, bool, tuples of ints such as
wsgi.version) are returned under "environ"; every key's Python type name is under "types", so a
test can see non-JSON keys (wsgi.input, wsgi.errors, wsgi.file_wrapper) exist.

``?mutate=1`` makes the app change the environ after reading it, so a test can check the next
request gets a fresh dict. ``app`` is wrapped in ``wsgiref.validate.validator``, which also checks
the server's environ and input/errors streams; ``raw_app`` is the bare callable.
"""
import hashlib
import json
from wsgiref.validate import validator


def _jsonable(value):
    if value is None or isinstance(value, (str, bool, int, float)):
        return True, value
    if isinstance(value, tuple) and all(isinstance(item, int) for item in value):
        return True, list(value)
    return False, None


def raw_app(environ, start_response):
    stream = environ["wsgi.input"]
    digest = hashlib.sha256()
    length = 0
    while True:
        chunk = stream.read(65536)
        if not chunk:
            break
        length += len(chunk)
        digest.update(chunk)

    values = {}
    types = {}
    for key, value in environ.items():
        types[key] = type(value).__name__
        ok, converted = _jsonable(value)
        if ok:
            values[key] = converted

    if "mutate=1" in environ.get("QUERY_STRING", "").split("&"):
        environ["dram.test.mutated"] = "yes"
        environ["HTTP_X_DRAM_MUTATED"] = "yes"
        environ["PATH_INFO"] = "/mutated"

    body = json.dumps({
        "environ": values,
        "types": types,
        "input": {"length": length, "sha256": digest.hexdigest()},
    }).encode("utf-8")
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


app = validator(raw_app)
