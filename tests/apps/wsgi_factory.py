"""An app made by a zero-argument factory (``--factory`` / ``DramServerOptions.Factory``)."""

created = 0


def create_app():
    global created
    created += 1
    serial = created

    def app(environ, start_response):
        body = ("from factory call %d" % serial).encode("ascii")
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
        return [body]

    return app
