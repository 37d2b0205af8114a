"""The lines of a catalogue export file (``export jsonl`` / ``import jsonl``), version 1.

Line 1 is the header; then one line for each organisation, then one for each entry. An entry line
is the entry as a client sends it (`editable_view`, which `load_entry` validates) plus what only a
restore may set: its id, timestamps, old slugs, distribution ids, the time each quality rating was
declared, its lock version and its history. This module checks those restore-only parts; what is
computed on save (description HTML, metadata quality, freshness dates) is not in the file.
"""

from __future__ import annotations

from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from marketplace.schemas.dataset import SLUG_PATTERN
from marketplace.schemas.dataset_out import EDITABLE_FIELDS
from marketplace.schemas.fields import Text
from marketplace.schemas.organisation import OrganisationInputSchema

FORMAT = "data-marketplace-export"
VERSION = 1
ORGANISATION = "organisation"
ENTRY = "entry"


def timestamp() -> fields.AwareDateTime:
    return fields.AwareDateTime(
        format="iso", required=True, error_messages={"invalid": "Not a timestamp with a time zone."}
    )


def optional_timestamp() -> fields.AwareDateTime:
    return fields.AwareDateTime(
        format="iso",
        required=True,
        allow_none=True,
        error_messages={"invalid": "Not a timestamp with a time zone."},
    )


class HeaderSchema(Schema):
    class Meta:
        unknown = RAISE

    format = fields.String(
        required=True,
        validate=validate.Equal(FORMAT, error=f"Must be {FORMAT!r}: this is not a catalogue export."),
    )
    version = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Equal(
            VERSION, error=f"This file is version {{input}}; only version {VERSION} can be imported."
        ),
    )
    organisations = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))
    entries = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))


class OrganisationLineSchema(OrganisationInputSchema):
    class Meta:
        unknown = RAISE

    kind = fields.String(required=True, validate=validate.Equal(ORGANISATION))
    id = fields.UUID(required=True)
    created_at = timestamp()
    updated_at = timestamp()


class OldSlugSchema(Schema):
    class Meta:
        unknown = RAISE

    slug = fields.String(
        required=True,
        validate=[
            validate.Length(min=1, max=120),
            validate.Regexp(SLUG_PATTERN, error="Use lower-case letters, digits and single hyphens only."),
        ],
    )
    retired_at = timestamp()


class RevisionLineSchema(Schema):
    class Meta:
        unknown = RAISE

    action = fields.String(required=True, validate=validate.Length(min=1, max=30))
    actor = Text(required=True, max_length=254)
    changes = fields.Dict(keys=fields.String(), required=True)
    created_at = timestamp()


class EntryRestoreSchema(Schema):
    """The restore-only parts of an entry line; the editable fields are `load_entry`'s to check."""

    class Meta:
        unknown = RAISE

    kind = fields.String(required=True, validate=validate.Equal(ENTRY))
    id = fields.UUID(required=True)
    created_at = timestamp()
    updated_at = timestamp()
    published_at = optional_timestamp()
    withdrawn_at = optional_timestamp()
    deleted_at = optional_timestamp()
    public_once = fields.Boolean(required=True, truthy={True}, falsy={False})
    lock_version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    old_slugs = fields.List(fields.Nested(OldSlugSchema), required=True)
    distribution_ids = fields.List(fields.UUID(), required=True)
    quality_updated_at = fields.Dict(keys=fields.String(), values=timestamp(), required=True)
    revisions = fields.List(fields.Nested(RevisionLineSchema), required=True)

    @validates_schema
    def check(self, data: dict[str, Any], **kwargs: Any) -> None:
        ids = data.get("distribution_ids") or []
        if len(set(ids)) != len(ids):
            raise ValidationError("Each distribution needs its own id.", "distributions")
        slugs = [old["slug"] for old in data.get("old_slugs") or []]
        if len(set(slugs)) != len(slugs):
            raise ValidationError("An old slug is listed twice.", "old_slugs")


# The restore-only names an entry line has at its top level (the others travel inside).
RESTORE_FIELDS = frozenset(EntryRestoreSchema().fields) - {"distribution_ids", "quality_updated_at"}


def split_entry_line(line: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], dict[str, list[str]]]:
    """An entry line as (the editable entry, its restore-only parts, unknown fields by name).

    The distributions' ids and the ratings' `updated_at` travel inside the editable shape in
    the file (where a reader looks for them) and are taken out here."""
    unknown = {
        name: ["Unknown field."]
        for name in line
        if name not in EDITABLE_FIELDS and name not in RESTORE_FIELDS
    }
    editable = {k: v for k, v in line.items() if k in EDITABLE_FIELDS}
    restore = {k: v for k, v in line.items() if k in RESTORE_FIELDS}
    distributions = editable.get("distributions")
    if isinstance(distributions, list):
        restore["distribution_ids"] = [d.get("id") if isinstance(d, dict) else None for d in distributions]
        editable["distributions"] = [
            {k: v for k, v in d.items() if k != "id"} if isinstance(d, dict) else d for d in distributions
        ]
    else:
        restore["distribution_ids"] = []
    quality = editable.get("quality")
    restore["quality_updated_at"] = {}
    if isinstance(quality, dict):
        editable["quality"] = {}
        for dimension, rating in quality.items():
            if isinstance(rating, dict):
                restore["quality_updated_at"][dimension] = rating.get("updated_at")
                rating = {k: v for k, v in rating.items() if k != "updated_at"}
            editable["quality"][dimension] = rating
    return editable, restore, unknown
