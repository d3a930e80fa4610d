"""An I/O-bound app: each request waits 10 ms (time.sleep, which releases the GIL), then answers.

With T threads in all, the ideal rate is T / 10 ms: 2 workers x 64 threads = 12,800 requests/s.
"""
import time

BODY = b"slept 10 ms\n"


def app(environ, start_response):
    time.sleep(0.01)
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(BODY)))])
    return [BODY]
