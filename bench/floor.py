"""Latchkey's floor: the baseline's constant JSON, answered from inside the app.

Every request hook, the cookie session, the security headers: what any of the app's endpoints
costs before it does any work of its own. No endpoint's ratio can be above this one's.
"""

from flask import jsonify

from app import create_app

app = create_app()


@app.get("/bench/floor")
def floor():
    return jsonify(object="baseline", status="ok")
