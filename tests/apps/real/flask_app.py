"""A Flask app (Debian's python3-flask): a form post, a JSON API, a streamed response, errors."""
from flask import Flask, Response, abort, jsonify, request, stream_with_context

app = Flask(__name__)


@app.route("/")
def index():
    return "Flask under test\n"


@app.route("/form", methods=["POST"])
def form():
    """An urlencoded form, parsed by Werkzeug from wsgi.input."""
    name = request.form.get("name", "")
    tags = request.form.getlist("tag")
    return "hello %s; tags=%s\n" % (name, ",".join(tags))


@app.route("/api/items", methods=["POST"])
def create_item():
    """JSON in, JSON out; a body that is not JSON gets Flask's own 400."""
    item = request.get_json()
    if not isinstance(item, dict) or "name" not in item:
        abort(400, description="an object with a name is required")
    return jsonify(id=len(item["name"]), name=item["name"], tags=sorted(item.get("tags", []))), 201


@app.route("/stream/<int:count>")
def stream(count):
    """A generator run after the view returned; stream_with_context keeps the request alive."""
    def lines():
        for i in range(count):
            # request is only reachable here because of stream_with_context.
            yield "%s %d\n" % (request.args.get("prefix", "line"), i)
    return Response(stream_with_context(lines()), mimetype="text/plain")


@app.route("/boom")
def boom():
    """An unhandled exception: Flask's own handler turns it into a 500 page."""
    raise RuntimeError("deliberate failure in a Flask view")


@app.route("/bad")
def bad():
    abort(400)


@app.errorhandler(404)
def not_found(error):
    return jsonify(error="not found", path=request.path), 404
