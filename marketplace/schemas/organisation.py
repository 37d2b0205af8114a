from __future__ import annotations

import re
from typing import Any

from marshmallow import Schema, ValidationError, fields, post_load, validate

from marketplace.schemas.fields import Text, Vocabulary, list_of
from marketplace.vocabularies import ORGANISATION_TYPES

_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


class DomainField(fields.String):
    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        domain = super()._deserialize(value, attr, data, **kwargs).strip().lower()
        if not _DOMAIN.match(domain):
            raise ValidationError(f"{domain!r} is not an e-mail domain such as dft.gov.uk.")
        return domain


class OrganisationInputSchema(Schema):
    slug = fields.String(
        required=True,
        validate=[
            validate.Length(min=1, max=100),
            validate.Regexp(
                r"^[a-z0-9]+(?:-[a-z0-9]+)*$", error="Use lower-case letters, digits and single hyphens only."
            ),
        ],
    )
    title = Text(required=True, max_length=200)
    abbreviation = Text(max_length=30, allow_none=True)
    organisation_type = Vocabulary(ORGANISATION_TYPES, name="organisation type", load_default="other")
    email_domains = list_of(DomainField(), max_items=20, noun="e-mail domains", load_default=list)
    access_request_mailbox = fields.Email(allow_none=True)

    @post_load
    def unique_domains(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        data["email_domains"] = sorted(set(data.get("email_domains") or []))
        return data


class OrganisationOutSchema(Schema):
    id = fields.UUID()
    slug = fields.String()
    title = fields.String()
    abbreviation = fields.String(allow_none=True)
    organisation_type = fields.String()
    email_domains = fields.List(fields.String())
    access_request_mailbox = fields.String(allow_none=True)
