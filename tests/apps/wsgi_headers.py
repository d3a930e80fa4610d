"""start_response misuse and exc_info. Not validated: most routes break the rules on purpose.

Every route first prints ``dram-test headers <kind> <id>`` so a test can find, in the error log,
what the server wrote after that line.
"""
import sys

import dram_test_support as support

TEXT = ("Content-Type", "text/plain")
LEAK = b"BODY-OF-A-BAD-RESPONSE"

BAD_HEADERS = {
    "crlf-value": [TEXT, ("X-Bad", "a\r\nX-Injected: yes")],
    "lf-value": [TEXT, ("X-Bad", "a\nX-Injected: yes")],
    "cr-value": [TEXT, ("X-Bad", "a\rX-Injected: yes")],
    "crlf-name": [TEXT, ("X-Bad\r\nX-Injected", "yes")],
    "colon-name": [TEXT, ("X-Injected: yes\r\nX-Bad", "v")],
    "space-name": [TEXT, ("X Injected", "yes")],
    "nonlatin-value": [TEXT, ("X-Bad", "snowman-\u2603-X-Injected")],
    "nonlatin-name": [TEXT, ("X-Injected-\u2603", "yes")],
    "bytes-value": [TEXT, ("X-Bad", b"X-Injected")],
    "nul-value": [TEXT, ("X-Bad", "a\x00X-Injected")],
}

BAD_STATUSES = {
    "no-code": "OK",
    "short-code": "20 OK",
    "long-code": "2000 OK",
    "letters": "abc OK",
    "crlf": "200 OK\r\nX-Injected: yes",
    "bytes": b"200 OK",
    "below-100": "099 Too Low",
}


def _announce(environ, kind):
    args = support.query(environ)
    print("dram-test headers %s %s" % (kind, args.get("id", "-")))
    return args


def bad_header(environ, start_response):
    args = _announce(environ, "bad-header")
    start_response("200 OK", BAD_HEADERS[args["kind"]])
    return [LEAK]


def bad_status(environ, start_response):
    args = _announce(environ, "bad-status")
    start_response(BAD_STATUSES[args["kind"]], [TEXT])
    return [LEAK]


def hop_by_hop(environ, start_response):
    _announce(environ, "hop")
    start_response("200 OK", [
        TEXT,
        ("Keep-Alive", "timeout=99"),
        ("Upgrade", "dram-test-protocol"),
        ("Proxy-Authenticate", "Basic realm=dram"),
        ("Trailer", "X-Dram-Trailer"),
        ("X-Dram-Kept", "yes"),
    ])
    return [b"hop-by-hop body"]


def transfer_encoding(environ, start_response):
    """The app claims chunked but sends plain bytes: the server must frame the body itself."""
    _announce(environ, "transfer-encoding")
    start_response("200 OK", [TEXT, ("Transfer-Encoding", "chunked")])
    return [b"plain-", b"bytes"]


def exc_info_before(environ, start_response):
    _announce(environ, "exc-info-before")
    start_response("200 OK", [TEXT, ("X-First", "yes")])
    try:
        raise ValueError("dram-test replaced before headers were sent")
    except ValueError:
        start_response("500 Replaced By App", [TEXT, ("X-Replaced", "yes")], sys.exc_info())
    return [b"replacement body"]


def exc_info_after(environ, start_response):
    """Sends a block, waits for the test to see it, then calls start_response with exc_info.

    PEP 3333: once headers are sent, start_response must re-raise the exception. What happened is
    recorded under the id: "reraised" or "returned".
    """
    args = _announce(environ, "exc-info-after")
    key = args["id"]
    start_response("200 OK", [TEXT])

    def chunks():
        yield b"first-block;"
        support.wait(key)
        try:
            raise KeyError("dram-test late error " + key)
        except KeyError:
            try:
                start_response("500 Too Late", [TEXT], sys.exc_info())
            except KeyError:
                support.record(key, "reraised")
                raise
            support.record(key, "returned")
        yield b"MUST-NOT-BE-SENT"

    return chunks()


def exc_info_without_error(environ, start_response):
    """Calling start_response twice without exc_info is an error (PEP 3333)."""
    _announce(environ, "twice")
    start_response("200 OK", [TEXT])
    start_response("201 Created", [TEXT])
    return [LEAK]


ROUTES = {
    "/bad-header": bad_header,
    "/bad-status": bad_status,
    "/hop": hop_by_hop,
    "/transfer-encoding": transfer_encoding,
    "/exc-info-before": exc_info_before,
    "/exc-info-after": exc_info_after,
    "/twice": exc_info_without_error,
}


def app(environ, start_response):
    return support.dispatch(ROUTES, environ, start_response)
