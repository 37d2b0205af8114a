"""Data share requests: an organisation's inbox (its reviewers', org admins' and site admins'),
its figures and CSV, and the shared mailbox told of each new request.

The only checking here is of the inbox's query parameters (a filter value that is not offered is
shown as an error, never passed on); who may see what is services/access_request_reading.py's rule.
"""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from flask import Response, flash, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from marketplace.auth.session import session_actor
from marketplace.errors import PermissionDeniedError, ValidationError
from marketplace.models import Organisation
from marketplace.queries.access_requests import RequestFilters
from marketplace.rules.access_request_states import STATUS_LABELS
from marketplace.services.access_request_figures import access_request_rows, summarise_access_requests
from marketplace.services.access_request_reading import list_access_requests, may_review, requested_datasets
from marketplace.services.access_request_reading import reviewing_organisations as reviewed_by
from marketplace.services.organisations import find_organisation, set_access_request_mailbox
from marketplace.services.roles import can_manage_roles
from marketplace.spreadsheet_cells import csv_writer
from marketplace.web.access import sign_in_required
from marketplace.web.blueprint import bp

PER_PAGE = 25
MAX_PAGE = 100_000
# What an organisation sees of a request: never a draft (the requester's own until sent).
INBOX_STATUSES = ("submitted", "in_review", "accepted", "rejected", "returned", "cancelled")
AGES = {"": "Any age", "7": "Older than 7 days", "14": "Older than 14 days", "30": "Older than 30 days"}
SORTS = {"oldest": "Oldest first", "updated": "Recently updated"}


@dataclass
class InboxQuery:
    """The inbox's filters as the form shows them, and what is wrong with any of them."""

    statuses: list[str] = field(default_factory=list)
    entry: str = ""
    age: str = ""
    sort: str = "oldest"
    page: int = 1
    errors: dict[str, list[str]] = field(default_factory=dict)

    def arguments(self, **changes) -> dict:
        """The query string of this view of the inbox (for the pagination links)."""
        values = {"status": self.statuses, "entry": self.entry, "age": self.age, "sort": self.sort}
        values.update(changes)
        return {name: value for name, value in values.items() if value and value != [] and value != 1}


def read_inbox_query(args: MultiDict, entries: dict[str, str]) -> InboxQuery:
    query = InboxQuery()
    statuses = args.getlist("status")
    if any(status not in INBOX_STATUSES for status in statuses):
        query.errors["status"] = ["Choose statuses from the list."]
    query.statuses = [s for s in INBOX_STATUSES if s in statuses]
    entry = args.get("entry", "")
    if entry and entry not in entries:
        query.errors["entry"] = ["Choose an entry from the list."]
    else:
        query.entry = entry
    age = args.get("age", "")
    if age not in AGES:
        query.errors["age"] = ["Choose how old the requests are from the list."]
    else:
        query.age = age
    sort = args.get("sort") or "oldest"
    if sort not in SORTS:
        query.errors["sort"] = ["Choose to sort oldest first or recently updated."]
    else:
        query.sort = sort
    page = args.get("page", "1")
    if not page.isdigit() or not 1 <= int(page) <= MAX_PAGE:
        query.errors["page"] = [f"Page number must be a whole number from 1 to {MAX_PAGE:,}."]
    else:
        query.page = int(page)
    return query


def _filters(organisation: Organisation, query: InboxQuery) -> RequestFilters:
    return RequestFilters(
        organisation_id=organisation.id,
        statuses=tuple(query.statuses),
        dataset_id=uuid.UUID(query.entry) if query.entry else None,
        submitted_before=datetime.now(UTC) - timedelta(days=int(query.age)) if query.age else None,
        oldest_first=query.sort == "oldest",
    )


def age_in_days(submitted_at: datetime | None) -> int | None:
    if submitted_at is None:
        return None
    if submitted_at.tzinfo is None:
        submitted_at = submitted_at.replace(tzinfo=UTC)
    return (datetime.now(UTC) - submitted_at).days


@bp.get("/organisations/<slug>/access-requests")
@sign_in_required
def access_request_inbox(slug: str):
    actor = session_actor()
    organisation = find_organisation(slug)
    entries = {str(dataset.id): dataset.title for dataset in requested_datasets(actor, organisation)}
    query = read_inbox_query(request.args, entries)
    found = None
    if not query.errors:
        found = list_access_requests(actor, _filters(organisation, query), page=query.page, per_page=PER_PAGE)
    return render_template(
        "access_requests/inbox.html",
        organisation=organisation,
        query=query,
        errors=query.errors,
        requests=found,
        entries=entries,
        figures=summarise_access_requests(actor, organisation),
        statuses=[(status, STATUS_LABELS[status]) for status in INBOX_STATUSES],
        ages=AGES,
        sorts=SORTS,
        age_in_days=age_in_days,
        manages_mailbox=can_manage_roles(actor, organisation),
    ), 400 if query.errors else 200


@bp.get("/organisations/<slug>/access-requests.csv")
@sign_in_required
def access_request_inbox_csv(slug: str) -> Response:
    """Every submitted request of the organisation, one row each, with its answers."""
    organisation = find_organisation(slug)
    out = io.StringIO()
    # Answers are text requesters typed: no cell may become a formula.
    csv_writer(out).writerows(access_request_rows(session_actor(), organisation))
    response = Response(
        out.getvalue().encode("utf-8-sig"),  # with a byte order mark, so Excel reads UTF-8
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{organisation.slug}-data-share-requests.csv"'
        },
    )
    # Names, e-mail addresses and reasons: personal data, kept by no cache.
    response.cache_control.no_store = True
    response.vary.add("Cookie")
    return response


@bp.route("/organisations/<slug>/access-requests/mailbox", methods=["GET", "POST"])
@sign_in_required
def access_request_mailbox(slug: str):
    actor = session_actor()
    organisation = find_organisation(slug)
    errors: dict[str, list[str]] = {}
    if request.method == "GET":
        if not can_manage_roles(actor, organisation):
            raise PermissionDeniedError(
                f"Only an org admin of {organisation.title} can change its data share mailbox."
            )
        address = organisation.access_request_mailbox or ""
    else:
        address = request.form.get("access_request_mailbox", "").strip()
        try:
            set_access_request_mailbox(actor, organisation, address)
        except ValidationError as error:
            errors = dict(error.errors)
        else:
            flash(
                f"New data share requests will be sent to {address}."
                if address
                else "The data share mailbox has been removed."
            )
            return redirect(url_for("web.access_request_inbox", slug=slug), 303)
    page = render_template(
        "organisations/mailbox.html", organisation=organisation, address=address, errors=errors
    )
    return page, 400 if errors else 200


@bp.app_template_global()
def reviews_requests_of(organisation: Organisation) -> bool:
    """Whether the signed-in person may open `organisation`'s inbox (for its page's link)."""
    return may_review(session_actor(), organisation.id)


@bp.app_template_global()
def inbox_organisations() -> list[Organisation]:
    """The organisations whose inbox the account page links to: those the person reviews for by
    role (a site admin opens any other from its organisation page)."""
    actor = session_actor()
    if actor.user is None:
        return []
    own = {m.organisation_id for m in actor.user.memberships if m.role in ("reviewer", "org_admin")}
    return [organisation for organisation in reviewed_by(actor) if organisation.id in own]
