"""A Flask app for the --mount tests: url_for and request.url must carry the mount prefix,
which Flask (Werkzeug) takes from SCRIPT_NAME."""
from flask import Flask, jsonify, request, url_for

app = Flask(__name__)


@app.route("/")
def index():
    return jsonify(
        script_root=request.script_root,
        path=request.path,
        url=request.url,
        page=url_for("page", name="x"),
        external=url_for("page", name="x", _external=True),
    )


@app.route("/page/<name>")
def page(name):
    return jsonify(page=name, path=request.path, script_root=request.script_root)
