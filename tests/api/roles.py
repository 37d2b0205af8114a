"""What the roles API tests share: the organisations' addresses, their members and role history as
stored, and a refused change that must leave people, roles and history as they were (the tokens of
each kind of caller are the `tokens` fixture in conftest.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import Membership, RoleChange, User
from tests.helpers import api, assert_problem

DFT = "department-for-transport"


DFE = "department-for-education"


DATASETS = "/api/v1/datasets"


def organisation_path(slug: str = DFT) -> str:
    return f"/api/v1/organisations/{slug}"


def role_path(email: str, role: str, slug: str = DFT) -> str:
    return f"{organisation_path(slug)}/members/{quote(email, safe='@%')}/roles/{role}"


MEMBERS = f"{organisation_path()}/members"


CHANGES = f"{organisation_path()}/role-changes"


@dataclass
class Tokens:
    org_admin: str  # olga: org admin at DfT
    org_admin_read_only: str  # olga again, with a token that may only read
    publisher: str  # ann: publisher at DfT
    member: str  # bob: member of DfT
    other_org_admin: str  # ed: org admin at DfE
    site_admin: str  # sam: site admin, in no organisation


def stored_people() -> dict[str, Any]:
    """What a refused request must leave as it was: the people, their roles and the role history."""
    db.session.expire_all()
    return {
        "users": sorted((u.email, u.is_site_admin) for u in db.session.scalars(select(User))),
        "memberships": sorted(
            (m.user.email, m.organisation.slug, m.role) for m in db.session.scalars(select(Membership))
        ),
        "role_changes": history(),
    }


def history(slug: str | None = None) -> list[tuple[str, str, str, str, str]]:
    """The stored role changes, oldest first, as (email, organisation, role, action, by)."""
    db.session.expire_all()
    changes = db.session.scalars(select(RoleChange).order_by(RoleChange.id))
    return [
        (c.user.email, c.organisation.slug, c.role, c.action, c.actor_label)
        for c in changes
        if slug is None or c.organisation.slug == slug
    ]


def roles_of(email: str, slug: str = DFT) -> set[str]:
    db.session.expire_all()
    user = db.session.scalar(select(User).where(User.email == email))
    return {m.role for m in user.memberships if m.organisation.slug == slug} if user else set()


def refused_change(
    client, method: str, path: str, *, status: int, fields: tuple[str, ...] = (), **kwargs: Any
) -> dict[str, Any]:
    """A request refused with `status` as problem+json naming `fields`, which changed no person,
    role or history; returns the problem document."""
    before = stored_people()
    response = api(client, method, path, status=status, **kwargs)
    problem = assert_problem(response, *fields)
    if status == 401:
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert stored_people() == before, f"{method} {path} changed people or roles although it was refused"
    return problem
