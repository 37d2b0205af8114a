"""Publishing: the dashboard, the create and edit forms, lifecycle actions and declared quality."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("publish", __name__)
