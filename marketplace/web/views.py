"""The pages of the service that belong to no other area."""

from __future__ import annotations

from flask import render_template

from marketplace.web.blueprint import bp


@bp.get("/")
def home() -> str:
    return render_template("home.html")
