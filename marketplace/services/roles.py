"""Roles in an organisation: who may grant them, and the record of every grant and revocation.

Every signed-in user of a department is a `member` by their e-mail domain; an org admin (or a
site admin) grants and revokes `publisher` and `org_admin`. The same functions serve the
people-and-roles page, the REST API and `users add` at the command line.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from marketplace.errors import (
    AuthenticationError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from marketplace.extensions import db
from marketplace.models import Membership, Organisation, RoleChange, User
from marketplace.rules.actors import Actor
from marketplace.rules.permissions import read_only_message
from marketplace.services.catalogue import Page
from marketplace.services.sign_in import organisation_for_email
from marketplace.services.users import find_user_by_email, normalise_email, record_role_change

# Org admins review access requests too (services/access_requests.py) without holding `reviewer`.
GRANTABLE_ROLES = ("publisher", "reviewer", "org_admin")


def can_manage_roles(actor: Actor, organisation: Organisation) -> bool:
    if actor.is_site_admin:
        return True
    return actor.user is not None and "org_admin" in actor.user.roles_in(organisation.id)


def require_role_manager(actor: Actor, organisation: Organisation, *, writing: bool) -> None:
    if not actor.is_authenticated:
        raise AuthenticationError("Sign in or send an API token to manage roles.")
    if writing and not actor.may_write:
        raise PermissionDeniedError(read_only_message(actor))
    if not can_manage_roles(actor, organisation):
        raise PermissionDeniedError(
            f"Only an org admin of {organisation.title} can manage its people and roles."
        )


@dataclass(frozen=True)
class Member:
    user: User
    roles: tuple[str, ...]
    joined_at: datetime


def list_members(actor: Actor, organisation: Organisation) -> list[Member]:
    """The organisation's people with their roles, by e-mail."""
    require_role_manager(actor, organisation, writing=False)
    rows = db.session.scalars(
        select(Membership)
        .where(Membership.organisation_id == organisation.id)
        .order_by(Membership.granted_at)
    ).all()
    by_user: dict = {}
    for membership in rows:
        by_user.setdefault(membership.user, []).append(membership)
    members = [
        Member(
            user=user,
            roles=tuple(
                role for role in ("member", *GRANTABLE_ROLES) if role in {m.role for m in memberships}
            ),
            joined_at=min(m.granted_at for m in memberships),
        )
        for user, memberships in by_user.items()
    ]
    return sorted(members, key=lambda member: member.user.email)


def grant_role(actor: Actor, organisation: Organisation, email: str, role: str) -> bool:
    """Give the person with `email` `role` in `organisation`; True if it was not held already.

    The person must belong to the organisation (by e-mail domain, or already a member). Someone
    who has not signed in yet is added by e-mail and keeps the role when they first sign in.
    """
    require_role_manager(actor, organisation, writing=True)
    _check_role(role)
    user = _member_or_new(organisation, email)
    if role in user.roles_in(organisation.id):
        return False
    for needed in ("member", role):
        if needed not in user.roles_in(organisation.id):
            user.memberships.append(
                Membership(organisation=organisation, role=needed, granted_by_id=actor.user_id)
            )
    record_role_change(actor, organisation, user, role, "granted")
    db.session.commit()
    return True


OWN_ADMIN_ROLE = "You cannot remove your own org admin role. Ask another org admin or a site admin."


def may_remove_role(actor: Actor, user: User, role: str) -> bool:
    """Whether a role manager may take `role` away from `user`: anyone's but their own org admin
    role (a site admin excepted), or an organisation could be left with nobody to manage it.
    The people page offers only what this allows."""
    return not (role == "org_admin" and user.id == actor.user_id and not actor.is_site_admin)


def find_member(actor: Actor, organisation: Organisation, user_id: str) -> Member:
    """One of the organisation's people, by user id; NotFoundError if they are not a member."""
    found = next((m for m in list_members(actor, organisation) if str(m.user.id) == user_id), None)
    if found is None:
        raise NotFoundError(f"There is no such person in {organisation.title}.")
    return found


def revoke_role(actor: Actor, organisation: Organisation, email: str, role: str) -> bool:
    """Take `role` in `organisation` away from the person with `email`; True if they held it."""
    require_role_manager(actor, organisation, writing=True)
    _check_role(role)
    user = find_user_by_email(normalise_email(email))
    if user is None or "member" not in user.roles_in(organisation.id):
        raise NotFoundError(f"{email} is not a member of {organisation.title}.")
    if not may_remove_role(actor, user, role):
        raise ConflictError(OWN_ADMIN_ROLE)
    held = [m for m in user.memberships if m.organisation_id == organisation.id and m.role == role]
    if not held:
        return False
    for membership in held:
        user.memberships.remove(membership)
    record_role_change(actor, organisation, user, role, "revoked")
    db.session.commit()
    return True


def list_role_changes(actor: Actor, organisation: Organisation, *, page: int, per_page: int) -> Page:
    """Who granted or revoked which role, newest first."""
    require_role_manager(actor, organisation, writing=False)
    condition = RoleChange.organisation_id == organisation.id
    total = db.session.scalar(select(func.count()).select_from(RoleChange).where(condition))
    items = db.session.scalars(
        select(RoleChange)
        .where(condition)
        .order_by(RoleChange.at.desc(), RoleChange.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return Page(items=list(items), total=total, page=page, per_page=per_page)


def _check_role(role: str) -> None:
    if role not in GRANTABLE_ROLES:
        raise ValidationError(
            {"role": [f"{role!r} cannot be granted here. Use one of: {', '.join(GRANTABLE_ROLES)}."]}
        )


def _member_or_new(organisation: Organisation, email: str) -> User:
    email = normalise_email(email)
    user = find_user_by_email(email)
    if user is not None and "member" in user.roles_in(organisation.id):
        return user
    found = organisation_for_email(email)
    if found is None or found.id != organisation.id:
        raise ValidationError(
            {"email": [f"{email} is not an address of {organisation.title}. Roles go to its own people."]}
        )
    if user is None:
        user = User(email=email)
        db.session.add(user)
    return user
