"""Tracks calls to the response iterable's close() (PEP 3333: the server must call it).

Each route records events under the request's ``id``; ``/_records?id=`` returns them, e.g.
``["iter", "close"]``.
"""
import time

import dram_test_support as support

TEXT = [("Content-Type", "text/plain")]


class TrackedBody:
    """An iterable (not a generator) whose close() is recorded."""

    def __init__(self, key, chunks, fail_after=None, delay=0.0, limit_seconds=None):
        self._key = key
        self._chunks = chunks
        self._fail_after = fail_after
        self._delay = delay
        self._limit = limit_seconds

    def __iter__(self):
        support.record(self._key, "iter")
        started = time.monotonic()
        for index, chunk in enumerate(self._chunks):
            if self._fail_after is not None and index >= self._fail_after:
                support.record(self._key, "raise")
                raise RuntimeError("dram-test body failure " + self._key)
            if self._limit is not None and time.monotonic() - started > self._limit:
                support.record(self._key, "limit")
                return
            if self._delay:
                time.sleep(self._delay)
            yield chunk

    def close(self):
        support.record(self._key, "close")


def _endless(size):
    block = b"x" * size
    while True:
        yield block


def ok(environ, start_response):
    key = support.query(environ)["id"]
    start_response("200 OK", list(TEXT))
    return TrackedBody(key, [b"one;", b"two;", b"three"])


def error_mid(environ, start_response):
    key = support.query(environ)["id"]
    start_response("200 OK", list(TEXT))
    return TrackedBody(key, [b"one;", b"two;", b"three"], fail_after=1)


def error_first(environ, start_response):
    key = support.query(environ)["id"]
    start_response("200 OK", list(TEXT))
    return TrackedBody(key, [b"never"], fail_after=0)


def endless(environ, start_response):
    """16 KiB every 10 ms, for at most 30 s: a client that hangs up must stop it early."""
    key = support.query(environ)["id"]
    start_response("200 OK", list(TEXT))
    return TrackedBody(key, _endless(16384), delay=0.01, limit_seconds=30)


def with_length(environ, start_response):
    key = support.query(environ)["id"]
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "9")])
    return TrackedBody(key, [b"fixed", b"-len"])


ROUTES = {
    "/ok": ok,
    "/error-mid": error_mid,
    "/error-first": error_first,
    "/endless": endless,
    "/with-length": with_length,
}


def app(environ, start_response):
    return support.dispatch(ROUTES, environ, start_response)
