"""/samples/<name>: small data files the service itself serves, so that the development catalogue
has links that really work (and one or two that really do not).

Some seed entries' distributions point here, at BASE_URL/samples/…, and `flask seed` runs the
link checker over them (`seeding/sample_links.py`), so the accessibility scores and the "Fix or
replace the link" advice in the seed come from real answers, not from values written into the
seed. The files are extracts in the shape of each publication, with illustrative figures (see
files/README.md); anything not in `files/` is a plain 404, as a moved file would be elsewhere.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, abort, send_from_directory

SAMPLES_DIR = Path(__file__).resolve().parent / "files"
# The path under BASE_URL where the files are served; seed entries name their files by it.
SAMPLES_PATH = "/samples/"
# Only data files are served: the folder's README is for people reading the repository.
SERVED_SUFFIXES = frozenset({".csv", ".json"})

bp = Blueprint("samples", __name__, url_prefix=SAMPLES_PATH.rstrip("/"))


@bp.get("/<name>")
def sample_file(name: str) -> Response:
    # send_from_directory refuses any name that would leave the folder (404, as for a missing file).
    if Path(name).suffix.lower() not in SERVED_SUFFIXES:
        abort(404)
    return send_from_directory(SAMPLES_DIR, name, max_age=3600)
