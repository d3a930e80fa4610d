"""The Python half of Dram's WSGI adapter, installed as module ``_dram_wsgi``.

The host adds the native functions ``_read(handle, size)`` and ``_readline(handle, size)`` before
anything here is called. Everything per-request that can be native is native (environ,
start_response, write, response iteration); what is here is either called once (``load``) or is
thin glue whose cost is tens of nanoseconds per call.
"""
import importlib
import sys

_read = None
_readline = None


class Input:
    """wsgi.input (PEP 3333 "Input and Error Streams"): reads stream from the connection.

    Nothing is buffered here: every call goes to the host, which reads Kestrel's request pipe and
    releases the GIL only when it must wait for the client.
    """

    __slots__ = ("_h",)

    def __init__(self, handle):
        self._h = handle

    def read(self, size=-1):
        return _read(self._h, -1 if size is None else size)

    def readline(self, size=-1):
        return _readline(self._h, -1 if size is None else size)

    def readlines(self, hint=-1):
        lines = []
        total = 0
        while True:
            line = _readline(self._h, -1)
            if not line:
                return lines
            lines.append(line)
            total += len(line)
            if hint is not None and 0 < hint <= total:
                return lines

    def __iter__(self):
        return self

    def __next__(self):
        line = _readline(self._h, -1)
        if not line:
            raise StopIteration
        return line


class FileWrapper:
    """wsgi.file_wrapper (PEP 3333 "Optional Platform-Specific File Handling").

    When an app returns one of these unchanged around a regular file, the host sends the file
    itself and never calls ``read``; iterating is the fallback for anything else.
    """

    def __init__(self, filelike, blksize=8192):
        self.filelike = filelike
        self.blksize = blksize
        if hasattr(filelike, "close"):
            self.close = filelike.close

    def __iter__(self):
        return self

    def __next__(self):
        data = self.filelike.read(self.blksize)
        if data:
            return data
        raise StopIteration


class RequestTimeout(BaseException):
    """Raised in a request's thread when it runs past --timeout.

    A BaseException, like KeyboardInterrupt, so the ``except Exception:`` blocks common in apps do
    not swallow it and the request really ends.
    """


class AppLoadError(Exception):
    """The app could not be found; the message says why and no traceback is useful."""


def load(spec, factory, paths):
    """Imports ``module[:attribute]`` (gunicorn's convention) and returns the callable."""
    for path in reversed(paths):
        if path in sys.path:
            sys.path.remove(path)
        sys.path.insert(0, path)

    module_name, _, attribute = spec.partition(":")
    attribute = attribute or "application"
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        missing = error.name or ""
        if missing and (module_name == missing or module_name.startswith(missing + ".")):
            raise AppLoadError(
                "no module named %r (sys.path starts with %r)" % (missing, sys.path[0])
            ) from None
        raise error.with_traceback(_user_frames(error.__traceback__))
    except BaseException as error:
        raise error.with_traceback(_user_frames(error.__traceback__))

    app = module
    for part in attribute.split("."):
        try:
            app = getattr(app, part)
        except AttributeError:
            raise AppLoadError(
                "module %r has no attribute %r" % (module_name, attribute)
            ) from None

    if factory:
        if not callable(app):
            raise AppLoadError("%s is not callable, so it cannot be a factory" % spec)
        app = app()

    if not callable(app):
        raise AppLoadError(
            "%s is not callable (it is a %s)" % (spec, type(app).__name__)
        )
    return app


def _user_frames(tb):
    """The traceback from the first frame of the app's own code: this loader and importlib's
    frames say nothing to the user (``python app.py`` does not show them either)."""
    first = tb
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if not (name.startswith("<frozen importlib") or name.startswith("<dram ")
                or name.endswith("importlib/__init__.py")):
            return tb
        tb = tb.tb_next
    return first


_WELCOME = """<!doctype html>
<html><head><meta charset="utf-8"><title>Dram</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 4em auto">
<h1>Dram is running</h1>
<p>This is the built-in welcome app. Serve your own WSGI app with
<code>./dram module:app</code>, for example <code>./dram myproject.wsgi:application</code>.</p>
<p>Python %s</p>
</body></html>
"""


def welcome(environ, start_response):
    body = (_WELCOME % sys.version.split()[0]).encode("utf-8")
    start_response(
        "200 OK",
        [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))],
    )
    return [body]
