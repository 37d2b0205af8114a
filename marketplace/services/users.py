"""People and their roles."""

from __future__ import annotations

from collections.abc import Iterable

from marshmallow import ValidationError as SchemaValidationError
from marshmallow import fields
from sqlalchemy import func, select

from marketplace.errors import PermissionDeniedError, ValidationError
from marketplace.extensions import db
from marketplace.models import ORGANISATION_ROLES, Membership, Organisation, RoleChange, User
from marketplace.models.types import utcnow
from marketplace.rules.actors import Actor

ROLES = (*ORGANISATION_ROLES, "site_admin")


# The longest address SMTP can carry (RFC 5321 §4.5.3.1.3), and the column's width.
MAX_EMAIL_LENGTH = 254


def normalise_email(email: str) -> str:
    if len(email.strip()) > MAX_EMAIL_LENGTH:
        raise ValidationError({"email": [f"An e-mail address has at most {MAX_EMAIL_LENGTH} characters."]})
    try:
        return fields.Email().deserialize(email.strip()).lower()
    except SchemaValidationError as error:
        raise ValidationError({"email": [f"{email!r} is not a valid e-mail address."]}) from error


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def add_user(actor: Actor, email: str, *, organisation_slug: str | None, roles: Iterable[str]) -> User:
    """Create or update a user and give them `roles` (in `organisation_slug` for organisation roles).

    Roles are added, never taken away here; every user of an organisation is at least a member.
    """
    if not actor.is_site_admin:
        raise PermissionDeniedError("Only site administrators can add users from here.")
    email = normalise_email(email)
    roles = set(roles)
    unknown = roles - set(ROLES)
    if unknown:
        raise ValidationError(
            {"role": [f"Unknown role {', '.join(sorted(unknown))}. Use: {', '.join(ROLES)}."]}
        )
    organisation = None
    if organisation_slug:
        organisation = db.session.scalar(select(Organisation).where(Organisation.slug == organisation_slug))
        if organisation is None:
            raise ValidationError({"org": [f"There is no organisation with the slug {organisation_slug!r}."]})
    org_roles = roles & set(ORGANISATION_ROLES)
    if org_roles and organisation is None:
        raise ValidationError({"org": ["Give --org for the roles member, publisher and org_admin."]})
    user = find_user_by_email(email)
    if user is None:
        user = User(email=email)
        db.session.add(user)
    if "site_admin" in roles:
        user.is_site_admin = True
    if organisation is not None:
        have = user.roles_in(organisation.id)
        for role in sorted((org_roles | {"member"}) - have):
            user.memberships.append(
                Membership(organisation=organisation, role=role, granted_by_id=actor.user_id)
            )
            if role != "member":
                record_role_change(actor, organisation, user, role, "granted")
    db.session.commit()
    return user


def record_role_change(actor: Actor, organisation: Organisation, user: User, role: str, action: str) -> None:
    """Add a history entry ("granted" or "revoked") to the current transaction."""
    db.session.add(
        RoleChange(
            organisation=organisation,
            user=user,
            role=role,
            action=action,
            actor_id=actor.user_id,
            actor_label=actor.label,
            at=utcnow(),
        )
    )
