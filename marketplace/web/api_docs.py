"""/api: how to use the catalogue from software — the REST API's resources, tokens and errors,
and CKAN's Action API (its actions and the extras keys of a package).

The machine-readable description (OpenAPI) comes with the interoperability work; this page is
for the person writing the client.
"""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

from marketplace.ckan.package_dict import EXTRAS
from marketplace.ckan.views import DOCUMENTED as CKAN_ACTIONS
from marketplace.schemas.listing import MULTI_VALUED
from marketplace.services.metadata_quality import MAX_SCORE, band_ranges

bp = Blueprint("api_docs", __name__)

# (method(s), path, what it does, who may call it)
ENDPOINTS = [
    (
        "GET",
        "/api/v1/datasets",
        "Search and list entries, with filters, facets, highlights and paging.",
        "anyone",
    ),
    ("GET", "/api/v1/suggest?q=", "Title completion for a search box.", "anyone"),
    (
        "POST",
        "/api/v1/datasets",
        'Create an entry (a draft unless the body says "status": "published").',
        "publishers",
    ),
    ("GET", "/api/v1/datasets/<id or slug>", "One entry.", "anyone who can see it"),
    (
        "PUT, PATCH",
        "/api/v1/datasets/<id or slug>",
        'Replace it, or change some fields; PATCH {"status": "published"} publishes, "withdrawn" withdraws.',
        "its publishers",
    ),
    ("DELETE", "/api/v1/datasets/<id or slug>", "Delete it (then 410 Gone).", "its publishers"),
    (
        "GET, PUT",
        "/api/v1/datasets/<id>/quality",
        "Declared Data Quality Framework ratings.",
        "read: anyone; write: its publishers",
    ),
    (
        "GET",
        "/api/v1/datasets/<id>/revisions",
        "Its history: who changed which fields, when.",
        "anyone who can see it",
    ),
    ("GET", "/api/v1/organisations", "Organisations, with how many entries you can see.", "anyone"),
    ("GET", "/api/v1/organisations/<slug>", "One organisation.", "anyone"),
    ("GET", "/api/v1/organisations/<slug>/members", "Its people and their roles.", "its org admins"),
    (
        "PUT, DELETE",
        "/api/v1/organisations/<slug>/members/<email>/roles/<role>",
        "Give or take away publisher or org_admin.",
        "its org admins",
    ),
    (
        "GET",
        "/api/v1/organisations/<slug>/role-changes",
        "Who gave or took away which role, when.",
        "its org admins",
    ),
    (
        "GET",
        "/api/v1/quality/summary",
        "The quality report: per organisation, entries by metadata quality band and freshness.",
        "anyone (counts what you can see)",
    ),
    ("GET", "/api/v1/licences", "The licences an entry may carry.", "anyone"),
    ("GET", "/api/v1/me", "Who you are: e-mail, organisation, roles.", "signed in or with a token"),
]
# The list query's parameters, from the schema that reads them.
FILTERS = ["q", *MULTI_VALUED, "sort", "page", "per_page"]


@bp.get("/api")
def api_docs():
    return render_template(
        "api_docs.html",
        endpoints=ENDPOINTS,
        filters=FILTERS,
        base=current_app.config["BASE_URL"],
        bands=band_ranges(),
        max_score=MAX_SCORE,
        ckan_actions=CKAN_ACTIONS,
        ckan_extras=EXTRAS,
    )
