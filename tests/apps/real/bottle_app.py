"""A Bottle hello app (Debian's python3-bottle)."""
import bottle

app = bottle.Bottle()


@app.route("/")
def index():
    return "Hello from Bottle\n"


@app.route("/hello/<name>")
def hello(name):
    return {"framework": "bottle", "hello": name}
