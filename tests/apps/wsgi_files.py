"""wsgi.file_wrapper over a real file, and over a file-like without a file descriptor.

``/file?path=&id=`` serves the file at ``path`` through a wrapper object that records every call
to read(), fileno(), close() (and seek()/tell()) under ``id``: a server that sends the file by its
descriptor never calls read(), so the bytes never pass through Python.
"""
import io
import os

import dram_test_support as support


class RecordingFile:
    def __init__(self, path, key):
        self._file = open(path, "rb")
        self._key = key

    def read(self, *args):
        support.record(self._key, "read")
        return self._file.read(*args)

    def fileno(self):
        support.record(self._key, "fileno")
        return self._file.fileno()

    def seek(self, *args):
        support.record(self._key, "seek")
        return self._file.seek(*args)

    def tell(self):
        support.record(self._key, "tell")
        return self._file.tell()

    def close(self):
        support.record(self._key, "close")
        self._file.close()


def real_file(environ, start_response):
    args = support.query(environ)
    path = args["path"]
    headers = [("Content-Type", "application/octet-stream")]
    if args.get("length") == "1":
        headers.append(("Content-Length", str(os.path.getsize(path))))
    start_response("200 OK", headers)
    return environ["wsgi.file_wrapper"](RecordingFile(path, args["id"]), 32768)


class Pattern(io.RawIOBase):
    """A readable file-like with no file descriptor: the wrapper must fall back to read()."""

    def __init__(self, key, size):
        super().__init__()
        self._key = key
        self._left = size
        self._offset = 0

    def readable(self):
        return True

    def read(self, size=-1):
        support.record(self._key, "read")
        if size is None or size < 0:
            size = self._left
        size = min(size, self._left)
        out = bytes((self._offset + i) % 251 for i in range(size))
        self._offset += size
        self._left -= size
        return out

    def close(self):
        support.record(self._key, "close")
        super().close()


def no_fileno(environ, start_response):
    args = support.query(environ)
    start_response("200 OK", [("Content-Type", "application/octet-stream")])
    return environ["wsgi.file_wrapper"](Pattern(args["id"], int(args["size"])), 8192)


ROUTES = {
    "/file": real_file,
    "/no-fileno": no_fileno,
}


def app(environ, start_response):
    return support.dispatch(ROUTES, environ, start_response)
