"""Shared helpers for the Dram test apps (stdlib only).

Every test app module routes paths starting with ``/_`` here, so a test can release an app that
is blocked on an event (``/_release?id=``) or read what an app recorded (``/_records?id=``) through
the same server it is testing. State is module-level, so it is shared by every server in the
test process (they all run in one embedded interpreter); tests use unique ids.
"""
import json
import threading
from urllib.parse import parse_qs

_lock = threading.Lock()
_events = {}
_records = {}

# How long an app waits for a test to release it before giving up (so a broken server or test
# never leaves a Python thread blocked for ever).
WAIT_LIMIT = 15.0


def query(environ):
    """The query string as a dict of last values (percent-decoded as UTF-8)."""
    parsed = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    return {key: values[-1] for key, values in parsed.items()}


def event(name):
    with _lock:
        found = _events.get(name)
        if found is None:
            found = _events[name] = threading.Event()
        return found


def wait(name, timeout=WAIT_LIMIT):
    """Blocks until a test calls ``/_release?id=name``; True if released, False on time-out."""
    return event(name).wait(timeout)


def record(key, what):
    with _lock:
        _records.setdefault(key, []).append(what)


def records(key):
    with _lock:
        return list(_records.get(key, ()))


def json_response(start_response, obj, status="200 OK"):
    body = json.dumps(obj).encode("utf-8")
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


def text_response(start_response, text, status="200 OK"):
    body = text.encode("utf-8")
    start_response(status, [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))])
    return [body]


def control_app(environ, start_response):
    """``/_release?id=X`` sets event X; ``/_records?id=X`` returns the list recorded under X."""
    path = environ.get("PATH_INFO", "")
    args = query(environ)
    if path == "/_release":
        event(args["id"]).set()
        return text_response(start_response, "released")
    if path == "/_records":
        return json_response(start_response, records(args["id"]))
    return text_response(start_response, "no such control route", "404 Not Found")


def dispatch(routes, environ, start_response):
    """Calls the route for PATH_INFO (control routes first); 404 when there is none."""
    path = environ.get("PATH_INFO", "")
    if path.startswith("/_"):
        return control_app(environ, start_response)
    route = routes.get(path)
    if route is None:
        return text_response(start_response, "no route " + path, "404 Not Found")
    return route(environ, start_response)
