"""The baseline: a bare Flask JSON endpoint, served by the same gunicorn configuration."""

from flask import Flask, jsonify

app = Flask(__name__)


@app.get("/")
def status():
    return jsonify(object="baseline", status="ok")
