"""An organisation's figures for data share requests (the inbox's summary and
GET /api/v1/access-requests/summary), and its requests as CSV rows.

Days to decision are counted per decision, from the submission it answered: a request returned
and resubmitted counts twice, once for each decision, which is what a department is measured on.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from marketplace.errors import AuthenticationError, PermissionDeniedError
from marketplace.extensions import db
from marketplace.models import AccessRequest, Organisation
from marketplace.models.types import utcnow
from marketplace.rules.access_request_questions import QUESTIONS
from marketplace.rules.access_request_states import DECIDED_STATUSES, OPEN_STATUSES
from marketplace.rules.actors import Actor
from marketplace.services.access_request_reading import days_between, may_review, reviewing_organisations

WINDOW_DAYS = 90


def _organisation_ids(actor: Actor, organisation: Organisation | None) -> list[uuid.UUID] | None:
    """The organisations to count: the one asked for, or all the actor reviews (None: every one,
    for a site admin)."""
    if not actor.is_authenticated:
        raise AuthenticationError("Sign in, or send a personal API token, to see request figures.")
    if organisation is not None:
        if not may_review(actor, organisation.id):
            raise PermissionDeniedError(
                f"Only reviewers and org admins of {organisation.title} can see its request figures."
            )
        return [organisation.id]
    if actor.is_site_admin:
        return None
    reviewed = reviewing_organisations(actor)
    if not reviewed:
        raise PermissionDeniedError("Only reviewers and org admins can see data share request figures.")
    return [organisation.id for organisation in reviewed]


def _requests(organisation_ids: list[uuid.UUID] | None):
    query = (
        select(AccessRequest)
        .where(AccessRequest.first_submitted_at.is_not(None))
        .options(selectinload(AccessRequest.events))
        .order_by(AccessRequest.first_submitted_at, AccessRequest.id)
    )
    if organisation_ids is not None:
        query = query.where(AccessRequest.organisation_id.in_(organisation_ids))
    return db.session.scalars(query).unique()


def summarise_access_requests(actor: Actor, organisation: Organisation | None = None) -> dict[str, Any]:
    """Open requests now; decisions and days to decision over the last 90 days."""
    ids = _organisation_ids(actor, organisation)
    since = utcnow() - timedelta(days=WINDOW_DAYS)
    open_counts = dict.fromkeys(OPEN_STATUSES, 0)
    decisions = dict.fromkeys(DECIDED_STATUSES, 0)
    durations: list[float] = []
    for access_request in _requests(ids):
        if access_request.status in open_counts:
            open_counts[access_request.status] += 1
        submitted_at = None
        for event in access_request.events:
            if event.kind != "transition":
                continue
            if event.to_status == "submitted":
                submitted_at = event.at
            elif event.to_status in decisions and event.at >= since:
                decisions[event.to_status] += 1
                if (days := days_between(submitted_at, event.at)) is not None:
                    durations.append(days)
    durations.sort()
    return {
        "organisation": organisation.slug if organisation else None,
        "open": sum(open_counts.values()),
        "submitted": open_counts["submitted"],
        "in_review": open_counts["in_review"],
        "window_days": WINDOW_DAYS,
        "decisions": decisions,
        "days_to_decision": {
            "count": len(durations),
            "median": _percentile(durations, 50),
            "p90": _percentile(durations, 90),
        },
    }


def _percentile(values: list[float], percent: int) -> float | None:
    """Nearest-rank percentile of sorted `values` (a value that happened, not an interpolation)."""
    if not values:
        return None
    return values[max(0, math.ceil(percent / 100 * len(values)) - 1)]


CSV_HEADINGS = (
    "reference",
    "status",
    "entry",
    "entry_slug",
    "organisation",
    "requester",
    "requesting_organisation",
    "created",
    "first_submitted",
    "last_submitted",
    "decided",
    "days_to_decision",
    *QUESTIONS,
)


def access_request_rows(actor: Actor, organisation: Organisation | None = None) -> Iterator[list[Any]]:
    """A heading row, then one row per submitted request the actor reviews (write them with
    spreadsheet_cells.csv_writer, which neutralises formulas)."""
    ids = _organisation_ids(actor, organisation)
    yield list(CSV_HEADINGS)
    for access_request in _requests(ids):
        answers = access_request.answers
        yield [
            access_request.reference,
            access_request.status,
            access_request.dataset.title,
            access_request.dataset.slug,
            access_request.organisation.slug,
            access_request.requester_email,
            access_request.requesting_organisation.title if access_request.requesting_organisation else "",
            _iso(access_request.created_at),
            _iso(access_request.first_submitted_at),
            _iso(access_request.submitted_at),
            _iso(access_request.decided_at),
            _cell(days_between(access_request.submitted_at, access_request.decided_at)),
            *[_cell(answers.get(name)) for name in QUESTIONS],
        ]


def _iso(value) -> str:
    return value.isoformat(timespec="seconds") if value else ""


def _cell(value: Any) -> Any:
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return "" if value is None else value
