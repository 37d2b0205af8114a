"""Organisations: reading them with the counts a caller may see, and loading them (seed, admin)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from marshmallow import ValidationError as SchemaValidationError
from marshmallow import fields, validate
from sqlalchemy import func, select

from marketplace.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from marketplace.extensions import db
from marketplace.models import Dataset, Organisation, OrganisationEmailDomain
from marketplace.queries.datasets import listable_condition
from marketplace.rules.actors import Actor
from marketplace.schemas.organisation import OrganisationInputSchema


def list_organisations(actor: Actor) -> list[tuple[Organisation, int]]:
    """Every organisation with the number of published entries `actor` can see, by title."""
    counts = dict(
        db.session.execute(
            select(Dataset.organisation_id, func.count())
            .where(listable_condition(actor, ["published"]))
            .group_by(Dataset.organisation_id)
        ).all()
    )
    organisations = db.session.scalars(select(Organisation).order_by(Organisation.title)).all()
    return [(o, counts.get(o.id, 0)) for o in organisations]


def find_organisation(slug: str) -> Organisation:
    """The organisation with `slug`; NotFoundError if there is none."""
    organisation = db.session.scalar(select(Organisation).where(Organisation.slug == slug))
    if organisation is None:
        raise NotFoundError(f"There is no organisation called {slug!r}.")
    return organisation


def get_organisation(actor: Actor, slug: str) -> tuple[Organisation, int]:
    organisation = find_organisation(slug)
    count = db.session.scalar(
        select(func.count())
        .select_from(Dataset)
        .where(listable_condition(actor, ["published"]), Dataset.organisation_id == organisation.id)
    )
    return organisation, count or 0


def save_organisation(actor: Actor, raw: Mapping[str, Any]) -> tuple[Organisation, bool]:
    """Create the organisation `raw` describes, or update the one with its slug.

    Only site administrators (and the CLI) may; returns the organisation and whether it was new.
    """
    if not actor.is_site_admin:
        raise PermissionDeniedError("Only site administrators can add or change organisations.")
    try:
        data = OrganisationInputSchema().load(raw)
    except SchemaValidationError as error:
        raise ValidationError(error.messages) from error
    organisation = db.session.scalar(select(Organisation).where(Organisation.slug == data["slug"]))
    created = organisation is None
    if created:
        organisation = Organisation(id=uuid.uuid4(), slug=data["slug"])
        db.session.add(organisation)
    for name in ("title", "abbreviation", "organisation_type", "access_request_mailbox"):
        setattr(organisation, name, data.get(name))
    domains = data.get("email_domains") or []
    clash = db.session.scalar(
        select(OrganisationEmailDomain).where(
            OrganisationEmailDomain.domain.in_(domains),
            OrganisationEmailDomain.organisation_id != organisation.id,
        )
    )
    if clash is not None:
        db.session.rollback()
        raise ConflictError(
            f"The e-mail domain {clash.domain} already belongs to another organisation.",
            {"email_domains": [f"{clash.domain} already belongs to another organisation."]},
        )
    existing = {d.domain: d for d in organisation.domains}
    organisation.domains = [existing.get(d) or OrganisationEmailDomain(domain=d) for d in domains]
    db.session.commit()
    return organisation, created


MAILBOX_MESSAGE = "Enter an e-mail address in the correct format, like data.sharing@department.gov.uk"


def set_access_request_mailbox(actor: Actor, organisation: Organisation, address: str | None) -> Organisation:
    """Set (or, given nothing, clear) the shared mailbox told of each new data share request for
    `organisation`. Its org admins and site admins may; the address is checked as an e-mail address."""
    if not (
        actor.is_site_admin
        or (actor.user is not None and "org_admin" in actor.user.roles_in(organisation.id))
    ):
        raise PermissionDeniedError(
            f"Only an org admin of {organisation.title} can change its data share mailbox."
        )
    address = (address or "").strip() or None
    if address is not None:
        try:
            address = fields.Email(validate=validate.Length(max=254)).deserialize(address)
        except SchemaValidationError:
            raise ValidationError({"access_request_mailbox": [MAILBOX_MESSAGE]}) from None
    organisation.access_request_mailbox = address
    db.session.commit()
    return organisation
