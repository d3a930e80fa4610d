"""App exceptions and app output (print, logging, wsgi.errors)."""
import logging

import dram_test_support as support

TEXT = [("Content-Type", "text/plain")]


def raise_before(environ, start_response):
    raise ValueError("dram-test failure before start " + support.query(environ)["marker"])


def raise_after_start_response(environ, start_response):
    start_response("200 OK", list(TEXT))
    raise ValueError("dram-test failure after start_response " + support.query(environ)["marker"])


def raise_mid_stream(environ, start_response):
    marker = support.query(environ)["marker"]
    start_response("200 OK", list(TEXT))

    def chunks():
        yield b"partial-body;"
        raise RuntimeError("dram-test failure mid-stream " + marker)

    return chunks()


def raise_after_release(environ, start_response):
    """Sends a block, waits until the test has seen it on the wire, then fails."""
    args = support.query(environ)
    start_response("200 OK", list(TEXT))

    def chunks():
        yield b"partial-body;"
        support.wait(args["id"])
        raise RuntimeError("dram-test failure after release " + args["marker"])

    return chunks()


def raise_in_first_next(environ, start_response):
    marker = support.query(environ)["marker"]

    def chunks():
        raise RuntimeError("dram-test failure in first next " + marker)
        yield b"never"  # pragma: no cover - makes this a generator

    start_response("200 OK", list(TEXT))
    return chunks()


def output(environ, start_response):
    marker = support.query(environ)["marker"]
    print("dram-test print " + marker)
    logging.getLogger("dram.test").warning("dram-test logging " + marker)
    errors = environ["wsgi.errors"]
    errors.write("dram-test wsgi.errors " + marker + "\n")
    errors.writelines(["dram-test writelines ", marker, "\n"])
    errors.write("dram-test flushed " + marker)
    errors.flush()
    return support.text_response(start_response, "printed")


def print_then_block(environ, start_response):
    args = support.query(environ)
    print("dram-test before-block " + args["marker"])
    released = support.wait(args["id"])
    return support.text_response(start_response, "released" if released else "timed out")


def ok(environ, start_response):
    return support.text_response(start_response, "ok")


ROUTES = {
    "/raise-before": raise_before,
    "/raise-after-start-response": raise_after_start_response,
    "/raise-mid-stream": raise_mid_stream,
    "/raise-after-release": raise_after_release,
    "/raise-in-first-next": raise_in_first_next,
    "/output": output,
    "/print-block": print_then_block,
    "/ok": ok,
}


def app(environ, start_response):
    return support.dispatch(ROUTES, environ, start_response)
