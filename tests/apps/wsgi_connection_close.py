"""WSGI app that asks for the connection to close: answers its client's port with Connection: close.

Over HTTP/1.1 the header goes out as is; over HTTP/2, where it is forbidden, the server ends the
connection with GOAWAY instead, so the next request arrives on a new connection (another port).
"""


def app(environ, start_response):
    body = environ["REMOTE_PORT"].encode("ascii")
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body))), ("Connection", "close")])
    return [body]
