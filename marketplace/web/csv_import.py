"""Bulk CSV import of entries: the template, the upload, a row-by-row report, and all-or-nothing creation."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("csv_import", __name__)
