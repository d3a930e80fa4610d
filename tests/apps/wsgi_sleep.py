"""Slow apps for the concurrency tests."""
import threading
import time

import dram_test_support as support


def sleep(environ, start_response):
    seconds = float(support.query(environ).get("s", "0.5"))
    time.sleep(seconds)
    return support.text_response(start_response, "slept in " + threading.current_thread().name)


def block(environ, start_response):
    released = support.wait(support.query(environ)["id"])
    return support.text_response(start_response, "released" if released else "timed out")


def quick(environ, start_response):
    return support.text_response(start_response, "quick")


def spin(environ, start_response):
    """Runs Python bytecode until --timeout stops it (30 s at most, so a broken timeout cannot hang the run)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        time.sleep(0.01)
    return support.text_response(start_response, "never timed out")


def burn(environ, start_response):
    """Computes without ever blocking (its thread stays runnable) until ``/_release?id=`` sets its flag."""
    flag = support.event(support.query(environ)["id"])
    deadline = time.monotonic() + support.WAIT_LIMIT
    while not flag.is_set() and time.monotonic() < deadline:
        sum(range(1000))
    return support.text_response(start_response, "burned" if flag.is_set() else "timed out")


def spin_after_first_block(environ, start_response):
    """Yields one block, then spins until --timeout stops it."""
    start_response("200 OK", [("Content-Type", "text/plain")])

    def body():
        yield b"first-block;"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            time.sleep(0.01)
        yield b"never timed out"

    return body()


def hold(environ, start_response):
    """Announces itself in the error log, then holds its Python thread for ``s`` seconds.

    For tests that must know the thread is taken: with one Python thread, nothing else (not even a
    ``/_release``) could run meanwhile, so the hold ends on its own.
    """
    args = support.query(environ)
    print("dram-test holding " + args["id"], flush=True)
    support.wait(args["id"], timeout=float(args.get("s", "3")))
    return support.text_response(start_response, "held")


ROUTES = {
    "/sleep": sleep,
    "/hold": hold,
    "/block": block,
    "/quick": quick,
    "/spin": spin,
    "/burn": burn,
    "/spin-stream": spin_after_first_block,
}


def app(environ, start_response):
    return support.dispatch(ROUTES, environ, start_response)
