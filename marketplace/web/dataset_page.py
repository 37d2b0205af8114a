"""The dataset page: everything about one entry, for judging whether to use it."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("dataset_page", __name__)
