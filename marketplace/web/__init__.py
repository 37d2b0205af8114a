"""HTML pages built on GOV.UK Frontend: the `web` blueprint, its layout, and what every page shares.

Templates `{% extends "layout.html" %}`; the GOV.UK macros load from `govuk_frontend_jinja/...`.
GOV.UK Frontend's built files are committed under `static/` (see `make vendor`) and served at /assets.
"""

from __future__ import annotations

from flask import Flask
from jinja2 import ChoiceLoader, PackageLoader, PrefixLoader

from marketplace.web import (
    access_request_inbox,  # noqa: F401  (importing registers its pages on bp)
    access_request_page,  # noqa: F401  (importing registers its pages on bp)
    access_requests,  # noqa: F401  (importing registers its pages on bp)
    account,
    api_clients,
    api_docs,
    csv_import,
    dataset_page,
    filters,
    find,
    harvest_pages,
    mail_pages,
    publish,
    publish_tasks,  # noqa: F401  (importing registers the task list's pages on publish.bp)
    quality_report,
    saved_searches,
    search_clicks,  # noqa: F401  (importing registers the result links' redirect on find.bp)
    search_report,
    service_pages,
    views,  # noqa: F401  (importing registers the home page on bp)
)
from marketplace.web.blueprint import bp
from marketplace.web.forms import error_message
from marketplace.web.security import add_security_headers, csp_nonce

__all__ = ["bp", "init_app"]


def init_app(app: Flask) -> None:
    """Load the GOV.UK macros, give every template the CSP nonce and form helpers, send security headers."""
    govuk = PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")})
    app.jinja_loader = ChoiceLoader([loader for loader in (app.jinja_loader, govuk) if loader])
    app.context_processor(lambda: {"cspNonce": csp_nonce()})
    app.add_template_global(error_message)
    app.after_request(add_security_headers)
    filters.init_app(app)
    # One blueprint per area of the pages; `bp` (views.py) holds the home page and /assets.
    areas = (
        find,
        dataset_page,
        publish,
        csv_import,
        account,
        api_clients,
        api_docs,
        quality_report,
        saved_searches,
        search_report,
        service_pages,
    )
    for area in (*areas, harvest_pages, mail_pages):
        app.register_blueprint(area.bp)
