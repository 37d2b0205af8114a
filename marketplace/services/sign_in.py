"""Who a verified sign-in is: linking the provider's `sub` to a user and a department.

Users are keyed by `sub`, never by e-mail, since a person's e-mail address can change while
their One Login account stays the same. A user made by `users add` (or given a role by an org
admin) before they ever signed in is linked by e-mail at their first sign-in, keeping roles.
"""

from __future__ import annotations

import logging

from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import Membership, Organisation, OrganisationEmailDomain, User

log = logging.getLogger(__name__)


class SignInRefusedError(Exception):
    """The provider vouched for the person, but this service will not give them an account.

    `reason` picks the page: "not_government_email", "email_not_verified", "account_conflict".
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def organisation_for_email(email: str) -> Organisation | None:
    """The organisation whose e-mail domain the address is in (a subdomain counts: the
    longest registered suffix wins, so digital.cabinet-office.gov.uk finds the Cabinet Office)."""
    domain = email.rpartition("@")[2].strip().lower().rstrip(".")
    labels = domain.split(".")
    candidates = [".".join(labels[i:]) for i in range(len(labels) - 1)]
    if not candidates:
        return None
    rows = db.session.scalars(
        select(OrganisationEmailDomain).where(OrganisationEmailDomain.domain.in_(candidates))
    ).all()
    if not rows:
        return None
    return max(rows, key=lambda row: len(row.domain)).organisation


def sign_in_user(*, sub: str, email: str, email_verified: bool) -> User:
    """The user for a verified sign-in, created or linked as needed; SignInRefusedError if none."""
    if not email_verified:
        raise SignInRefusedError("email_not_verified")
    email = email.strip().lower()
    user = db.session.scalar(select(User).where(User.sub == sub))
    if user is None:
        user = db.session.scalar(select(User).where(User.email == email))
        if user is not None and user.sub is not None:
            # The address now belongs to a different One Login account than the one linked.
            log.warning(
                "sign-in refused: e-mail already linked to another account", extra={"user": str(user.id)}
            )
            raise SignInRefusedError("account_conflict")
    organisation = organisation_for_email(email)
    if user is None:
        if organisation is None:
            raise SignInRefusedError("not_government_email")
        user = User(email=email)
        db.session.add(user)
    elif user.email != email:
        clash = db.session.scalar(select(User).where(User.email == email, User.id != user.id))
        if clash is not None:
            raise SignInRefusedError("account_conflict")
        user.email = email
    user.sub = sub
    if organisation is not None and "member" not in user.roles_in(organisation.id):
        user.memberships.append(Membership(organisation=organisation, role="member"))
    db.session.commit()
    return user
