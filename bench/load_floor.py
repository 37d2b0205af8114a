"""The floor: a bare Flask app under the same gunicorn settings, answering each kind of request
with precomputed bytes of that kind's typical size. What the catalogue costs above this is ours.

FLOOR_SIZES (JSON, kind -> bytes) sets the sizes; gunicorn -c gunicorn.conf.py bench.load_floor:app.
"""

from __future__ import annotations

import json
import os

from flask import Flask, Response, abort

SIZES: dict[str, int] = json.loads(os.environ.get("FLOOR_SIZES", "{}"))
BODIES = {kind: (b'{"x":"' + b"x" * max(0, size - 8) + b'"}') for kind, size in SIZES.items()}

app = Flask(__name__)


@app.get("/floor/<kind>")
def floor(kind: str) -> Response:
    body = BODIES.get(kind)
    if body is None:
        abort(404)
    return Response(body, mimetype="application/json")
