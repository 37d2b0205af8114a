"""Finding data: the search page, organisations and their entries."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("find", __name__)
