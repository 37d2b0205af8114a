"""/samples/<name>: small data files the service itself serves, so that the development catalogue
has links that really work (and one or two that really do not).

Some seed entries' distributions point here, at BASE_URL/samples/…, and `flask seed` runs the
link checker over them (`seeding/sample_links.py`), so the accessibility scores and the "Fix or
replace the link" advice in the seed come from real answers, not from values written into the
seed. The files are extracts in the shape of each publication, with illustrative figures (see
files/README.md); anything not in `files/` is a plain 404, as a moved file would be elsewhere.
"""

from __future__ import annotations

import io
from pathlib import Path

from flask import Blueprint, Response, abort, send_file
from werkzeug.security import safe_join

SAMPLES_DIR = Path(__file__).resolve().parent / "files"
# The path under BASE_URL where the files are served; seed entries name their files by it.
SAMPLES_PATH = "/samples/"
# Only data files are served: the folder's README is for people reading the repository.
SERVED_SUFFIXES = frozenset({".csv", ".json"})

bp = Blueprint("samples", __name__, url_prefix=SAMPLES_PATH.rstrip("/"))


@bp.get("/<name>")
def sample_file(name: str) -> Response:
    # safe_join refuses any name that would leave the folder: a 404, as for a missing file.
    found = safe_join(str(SAMPLES_DIR), name)
    path = Path(found) if found else None
    if path is None or path.suffix.lower() not in SERVED_SUFFIXES or not path.is_file():
        abort(404)
    # Read whole (each is under a kilobyte): a response streaming an open file would leave the file
    # open when compression (compression.py) replaces the body with the compressed bytes.
    return send_file(
        io.BytesIO(path.read_bytes()),
        download_name=path.name,
        last_modified=path.stat().st_mtime,
        etag=False,
        max_age=3600,
    )
