"""Helpers Dram installs into the embedded interpreter before anything else runs.

Loaded from an embedded resource as module ``_dram_runtime``; ``_emit`` is a native function the
host adds before ``install()`` is called.
"""
import io
import sys
import traceback

_emit = None  # set by the host: _emit(stream_name, text) writes complete lines to the error log


def format_exception(etype, value, tb):
    return "".join(traceback.format_exception(etype, value, tb))


class LineStream(io.TextIOBase):
    """A text stream that hands each complete line to the host at once (line-buffered).

    Used for sys.stdout, sys.stderr and wsgi.errors, so print(), logging and tracebacks from the
    app reach the error log promptly and whole, never interleaved mid-line with the server's own
    messages.
    """

    def __init__(self, name):
        super().__init__()
        self._name = name
        self._pending = ""

    @property
    def name(self):
        return "<dram %s>" % self._name

    @property
    def encoding(self):
        return "utf-8"

    @property
    def errors(self):
        return "backslashreplace"

    def writable(self):
        return True

    def isatty(self):
        return False

    def write(self, s):
        if not isinstance(s, str):
            raise TypeError("write() argument must be str, not %s" % type(s).__name__)
        text = self._pending + s
        cut = text.rfind("\n")
        if cut < 0:
            self._pending = text
        else:
            self._pending = text[cut + 1:]
            _emit(self._name, text[:cut])
        return len(s)

    def writelines(self, lines):
        for line in lines:
            self.write(line)

    def flush(self):
        if self._pending:
            pending, self._pending = self._pending, ""
            _emit(self._name, pending)


def install(argv0):
    sys.argv = [argv0]
    sys.stdout = LineStream("stdout")
    sys.stderr = LineStream("stderr")
