"""Reading data share requests: who may see and decide them, and what the pages and the API
list. The changes are services/access_requests.py's.

A request is seen by its requester, and once submitted by the owning organisation's reviewers
and org admins and by site admins; to anyone else it does not exist (404, never 403). The same
rule as SQL, for lists and counts, is queries/access_requests.py's visible_condition.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from marketplace.errors import AuthenticationError, NotFoundError, PermissionDeniedError
from marketplace.extensions import db
from marketplace.models import AccessRequest, Dataset, Organisation
from marketplace.queries.access_requests import REVIEWING_ROLES, RequestFilters, filtered, visible_condition
from marketplace.rules.access_request_questions import SECTIONS, section_status
from marketplace.rules.access_request_states import (
    EDITABLE_STATUSES,
    OPEN_STATUSES,
    Transition,
    moves_from,
)
from marketplace.rules.actors import Actor
from marketplace.rules.permissions import read_only_message
from marketplace.services.catalogue import Page


def require_person(actor: Actor, *, writing: bool) -> None:
    if actor.client is not None:
        raise PermissionDeniedError("Data share requests are made and decided by people, not API clients.")
    if actor.user is None:
        raise AuthenticationError("Sign in, or send a personal API token, to use data share requests.")
    if writing and not actor.may_write:
        raise PermissionDeniedError(read_only_message(actor))


def may_review(actor: Actor, organisation_id: uuid.UUID) -> bool:
    """Whether `actor` reads and decides `organisation_id`'s requests: its reviewers and org
    admins, and site admins."""
    if actor.is_site_admin:
        return True
    return actor.user is not None and bool(actor.user.roles_in(organisation_id) & set(REVIEWING_ROLES))


def reviewing_organisations(actor: Actor) -> list[Organisation]:
    """The organisations whose inbox `actor` may open, by title (all of them for site admins)."""
    if actor.is_site_admin:
        return list(db.session.scalars(select(Organisation).order_by(Organisation.title)))
    if actor.user is None or actor.client is not None:
        return []
    found = {m.organisation.id: m.organisation for m in actor.user.memberships if m.role in REVIEWING_ROLES}
    return sorted(found.values(), key=lambda organisation: organisation.title)


def can_see(actor: Actor, access_request: AccessRequest) -> bool:
    if actor.user is not None and access_request.requester_id == actor.user.id:
        return True
    if access_request.first_submitted_at is None:
        return False
    return may_review(actor, access_request.organisation_id)


def side_of(actor: Actor, access_request: AccessRequest) -> str | None:
    """ "requester", "reviewer" or None. The requester is always the requester on their own request,
    even if they also review for the owning organisation: nobody decides their own request."""
    if actor.user is not None and access_request.requester_id == actor.user.id:
        return "requester"
    if access_request.first_submitted_at is not None and may_review(actor, access_request.organisation_id):
        return "reviewer"
    return None


def require_side(actor: Actor, access_request: AccessRequest, *, writing: bool) -> str:
    """The side (requester or reviewer) `actor` is on, for a person acting on the request; a request
    they may not see does not exist for them."""
    if actor.user is not None or not actor.is_site_admin:  # the CLI's system actor has no user
        require_person(actor, writing=writing)
    side = side_of(actor, access_request)
    if side is None:
        raise NotFoundError(f"There is no data share request {str(access_request.id)!r}.")
    return side


def is_requestable(dataset: Dataset) -> bool:
    """Whether the entry's page offers "Request this data": published, and either not open to
    all or with no file anyone can download."""
    if dataset.status != "published" or dataset.is_deleted:
        return False
    if dataset.access_rights != "OPEN":
        return True
    return not any(distribution.download_url for distribution in dataset.distributions)


def get_access_request(actor: Actor, request_id: str | uuid.UUID) -> AccessRequest:
    """The request if `actor` may see it; NotFoundError otherwise (as if it did not exist)."""
    if not actor.is_site_admin:
        require_person(actor, writing=False)
    try:
        key = request_id if isinstance(request_id, uuid.UUID) else uuid.UUID(str(request_id))
    except ValueError:
        raise NotFoundError(f"There is no data share request {request_id!r}.") from None
    access_request = db.session.get(AccessRequest, key)
    if access_request is None or not can_see(actor, access_request):
        raise NotFoundError(f"There is no data share request {request_id!r}.")
    return access_request


def find_open_request(actor: Actor, dataset: Dataset) -> AccessRequest | None:
    """The person's own request for `dataset` that they can still work on (draft or returned), or
    that is with the organisation: "Request this data" resumes it rather than starting another."""
    if actor.user is None:
        return None
    return db.session.scalar(
        select(AccessRequest)
        .where(
            AccessRequest.requester_id == actor.user.id,
            AccessRequest.dataset_id == dataset.id,
            AccessRequest.status.in_((*EDITABLE_STATUSES, *OPEN_STATUSES)),
        )
        .order_by(AccessRequest.created_at.desc())
        .limit(1)
    )


def list_access_requests(actor: Actor, filters: RequestFilters, *, page: int, per_page: int) -> Page:
    """The requests `actor` may see that match `filters`, a page at a time."""
    if not actor.is_site_admin:
        require_person(actor, writing=False)
    if filters.organisation_id is not None and not may_review(actor, filters.organisation_id):
        raise PermissionDeniedError("Only the organisation's reviewers and org admins can read its requests.")
    condition = visible_condition(actor.user_id, site_admin=actor.is_site_admin)
    query = filtered(condition, filters)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    # The timeline comes with each request in one more query, not one per request.
    page_query = (
        query.options(selectinload(AccessRequest.events)).limit(per_page).offset((page - 1) * per_page)
    )
    items = list(db.session.scalars(page_query).unique())
    return Page(items=items, total=total, page=page, per_page=per_page)


def section_statuses(access_request: AccessRequest) -> list[tuple[str, str, str]]:
    """(section name, title, status) for the task list, in order."""
    return [
        (
            section.name,
            section.title,
            section_status(
                section,
                access_request.answers,
                access_request.completed_sections,
                access_request.returned_sections,
            ),
        )
        for section in SECTIONS
    ]


def available_moves(actor: Actor, access_request: AccessRequest) -> list[Transition]:
    side = side_of(actor, access_request)
    return moves_from(access_request.status, side) if side else []


def next_action(access_request: AccessRequest) -> str:
    """What happens next, in words, for the requester's list."""
    return {
        "draft": "Finish and submit your request",
        "returned": "Make the changes asked for and resubmit",
        "submitted": "Waiting for the department to start its review",
        "in_review": "Being reviewed by the department",
        "accepted": "The department will be in touch to arrange the share",
        "rejected": "None: the request shows the department's reason",
        "cancelled": "None: you cancelled it",
    }[access_request.status]


def days_between(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return round((end - start) / timedelta(days=1), 1)


def requested_datasets(actor: Actor, organisation: Organisation) -> list[Dataset]:
    """The organisation's entries that have submitted requests, by title (the inbox's entry filter)."""
    if not may_review(actor, organisation.id):
        raise PermissionDeniedError("Only the organisation's reviewers and org admins can read its requests.")
    requested = select(AccessRequest.dataset_id).where(
        AccessRequest.organisation_id == organisation.id, AccessRequest.first_submitted_at.is_not(None)
    )
    return list(db.session.scalars(select(Dataset).where(Dataset.id.in_(requested)).order_by(Dataset.title)))
