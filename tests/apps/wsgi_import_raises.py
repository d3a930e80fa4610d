"""A module whose import fails: loading it must give a clear start-up error with the traceback."""


def _explode():
    raise RuntimeError("dram-test import failure marker")


_explode()


def app(environ, start_response):  # pragma: no cover - never reached
    start_response("200 OK", [])
    return []
