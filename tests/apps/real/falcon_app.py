"""A Falcon hello app (Debian's python3-falcon 3: falcon.App)."""
import falcon


class Index:
    def on_get(self, req, resp):
        resp.content_type = falcon.MEDIA_TEXT
        resp.text = "Hello from Falcon\n"


class Hello:
    def on_get(self, req, resp, name):
        resp.media = {"framework": "falcon", "hello": name}


app = falcon.App()
app.add_route("/", Index())
app.add_route("/hello/{name}", Hello())
