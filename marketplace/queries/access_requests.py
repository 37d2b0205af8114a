"""Which data share requests a caller may see, as SQL: one condition used by every list and count."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, and_, false, or_, select, true
from sqlalchemy.sql.elements import ColumnElement

from marketplace.models import AccessRequest, Membership

# Roles that read and decide an organisation's requests.
REVIEWING_ROLES = ("reviewer", "org_admin")


def reviewing_organisation_ids(user_id: uuid.UUID | None) -> Select:
    return select(Membership.organisation_id).where(
        Membership.user_id == user_id, Membership.role.in_(REVIEWING_ROLES)
    )


def visible_condition(user_id: uuid.UUID | None, *, site_admin: bool) -> ColumnElement[bool]:
    """The requester sees their own, drafts included; the owning organisation's reviewers and org
    admins, and site admins, see a request once it has been submitted (a draft is the
    requester's own until then)."""
    if user_id is None and not site_admin:
        return false()
    own = AccessRequest.requester_id == user_id if user_id is not None else false()
    sent = AccessRequest.first_submitted_at.is_not(None)
    reviewer = (
        and_(sent, AccessRequest.organisation_id.in_(reviewing_organisation_ids(user_id)))
        if user_id is not None
        else false()
    )
    return or_(own, reviewer, and_(sent, true() if site_admin else false()))


@dataclass
class RequestFilters:
    requester_id: uuid.UUID | None = None
    organisation_id: uuid.UUID | None = None
    statuses: tuple[str, ...] = ()
    dataset_id: uuid.UUID | None = None
    submitted_before: datetime | None = None
    oldest_first: bool = False


def filtered(condition: ColumnElement[bool], filters: RequestFilters) -> Select:
    query = select(AccessRequest).where(condition)
    if filters.requester_id is not None:
        query = query.where(AccessRequest.requester_id == filters.requester_id)
    if filters.organisation_id is not None:
        query = query.where(
            AccessRequest.organisation_id == filters.organisation_id,
            AccessRequest.first_submitted_at.is_not(None),
        )
    if filters.statuses:
        query = query.where(AccessRequest.status.in_(filters.statuses))
    if filters.dataset_id is not None:
        query = query.where(AccessRequest.dataset_id == filters.dataset_id)
    if filters.submitted_before is not None:
        query = query.where(AccessRequest.submitted_at <= filters.submitted_before)
    if filters.oldest_first:
        order = (AccessRequest.submitted_at.asc(), AccessRequest.created_at.asc(), AccessRequest.id)
    else:
        order = (AccessRequest.updated_at.desc(), AccessRequest.id)
    return query.order_by(*order)
