"""What people search for (/search-report and /search-report.csv), for site admins and org admins.

The figures and who may see them come from services.search_report, so the page and its CSV
files always agree; this module only reads the period and the list asked for.
"""

from __future__ import annotations

import io

from flask import Blueprint, Response, render_template, request

from marketplace.auth.session import session_actor
from marketplace.errors import BadRequestError, NotFoundError
from marketplace.services.search_report import (
    LISTS,
    PERIODS,
    can_see_search_report,
    check_period,
    search_report,
    search_report_rows,
)
from marketplace.spreadsheet_cells import csv_writer
from marketplace.web.access import sign_in_required

bp = Blueprint("search_report", __name__)


@bp.app_template_global()
def may_see_search_report() -> bool:
    """Whether the signed-in person may see the report (the account page links it only then)."""
    return can_see_search_report(session_actor())


@bp.get("/search-report")
@sign_in_required
def report() -> tuple[str, int]:
    errors: dict[str, list[str]] = {}
    try:
        days = check_period(request.args.get("days", PERIODS[0]))
    except BadRequestError as error:
        errors, days = error.errors or {"days": [error.detail]}, PERIODS[0]
    found = search_report(session_actor(), days)
    return render_template(
        "search_report/report.html", report=found, lists=LISTS, periods=PERIODS, errors=errors
    ), 400 if errors else 200


@bp.get("/search-report.csv")
@sign_in_required
def report_csv() -> Response:
    """One list ("top", "no-results" or "no-clicks"), site-wide or for one organisation's page."""
    name = request.args.get("list", "")
    if name not in LISTS:
        raise BadRequestError("Choose a list: top, no-results or no-clicks.", {"list": ["Choose a list."]})
    found = search_report(session_actor(), check_period(request.args.get("days")))
    organisation = request.args.get("organisation") or None
    section = found.section(organisation)
    if section is None:
        raise NotFoundError("There is no report on searches for that organisation that you may see.")
    out = io.StringIO()
    csv_writer(out).writerows(search_report_rows(section, name))  # queries are what anyone typed
    filename = f"searches-{organisation + '-' if organisation else ''}{name}-{found.days}-days.csv"
    # Signed in only, so web.security marks it no-store.
    return Response(
        out.getvalue().encode("utf-8-sig"),  # with a byte order mark, so Excel reads UTF-8
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
