"""App shapes for telling ASGI from WSGI (--interface auto|asgi|wsgi).

``instance`` is an object whose ``__call__`` is a coroutine function: ASGI 3 ("Applications" in the
ASGI spec: any callable that is awaitable with scope, receive and send), so auto detection must pick
ASGI for it as for an ``async def`` function.

``hybrid`` speaks both protocols through one plain (not async) ``__call__``: with two arguments it is
a WSGI app, with three it returns the coroutine of an ASGI app. Auto detection sees a synchronous
callable and picks WSGI; only an explicit --interface asgi serves it as ASGI. Each protocol answers
with its own name, so a test sees which one the server used.
"""
import asgi_test_support as support


class InstanceApp:
    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await support.dispatch({}, scope, receive, send)
        await support.read_body(receive)
        await support.text(send, "asgi instance")


instance = InstanceApp()


class HybridApp:
    def __call__(self, *args):
        if len(args) == 2:
            environ, start_response = args
            environ["wsgi.input"].read()
            body = b"wsgi"
            start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
            return [body]
        return self._asgi(*args)

    async def _asgi(self, scope, receive, send):
        if scope["type"] != "http":
            return await support.dispatch({}, scope, receive, send)
        await support.read_body(receive)
        await support.text(send, "asgi")


hybrid = HybridApp()
