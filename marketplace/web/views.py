"""The pages of the service that belong to no other area."""

from __future__ import annotations

from flask import render_template
from werkzeug.datastructures import MultiDict

from marketplace.auth.session import session_actor
from marketplace.schemas.listing import load_list_params
from marketplace.services.finding import find_datasets
from marketplace.vocabularies import THEMES
from marketplace.web.blueprint import bp

RECENT_ENTRIES = 8


@bp.get("/")
def home() -> str:
    # One search, as this visitor: the most recently updated entries, and the theme counts.
    latest = find_datasets(session_actor(), load_list_params(MultiDict({"per_page": str(RECENT_ENTRIES)})))
    counts = {f["value"]: f["count"] for f in (latest.facets or {}).get("theme", [])}
    themes = [
        {"value": value, "label": label, "count": counts.get(value, 0) if latest.facets else None}
        for value, label in THEMES.items()
    ]
    return render_template("home.html", themes=themes, recent=latest.items, total=latest.total)
