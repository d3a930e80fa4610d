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


ROUTES = {"/sleep": sleep, "/block": block, "/quick": quick}


def app(environ, start_response):
    return support.dispatch(ROUTES, environ, start_response)
