"""Query parameters of ``GET /api/v1/datasets`` (and, later, the find page)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from werkzeug.datastructures import MultiDict

from marketplace.schemas.fields import LicenceField, Vocabulary
from marketplace.services.freshness import FRESHNESS_STATES
from marketplace.services.metadata_quality import BANDS
from marketplace.vocabularies import ACCESS_RIGHTS, DATASET_STATUSES, ENTRY_TYPES, THEMES

MAX_QUERY_LENGTH = 500
# Deep pages cost the database more for each page; harvesters should use the bulk exports.
MAX_RESULT_WINDOW = 10_000
SORTS = ("relevance", "updated", "title", "quality")
MULTI_VALUED = (
    "organisation",
    "theme",
    "format",
    "licence",
    "access_rights",
    "type",
    "quality",
    "freshness",
    "status",
)


class DatasetListParamsSchema(Schema):
    q = fields.String(
        validate=validate.Length(
            max=MAX_QUERY_LENGTH, error=f"Must be {MAX_QUERY_LENGTH} characters or fewer."
        )
    )
    organisation = fields.List(fields.String(validate=validate.Length(min=1, max=100)))
    theme = fields.List(Vocabulary(THEMES, name="theme"))
    format = fields.List(fields.String(validate=validate.Length(min=1, max=50)))
    licence = fields.List(LicenceField())
    access_rights = fields.List(Vocabulary(ACCESS_RIGHTS, name="access right"))
    type = fields.List(Vocabulary(ENTRY_TYPES, name="entry type"))
    quality = fields.List(Vocabulary(BANDS, name="quality band"))
    freshness = fields.List(Vocabulary(FRESHNESS_STATES, name="freshness state"))
    status = fields.List(Vocabulary(DATASET_STATUSES, name="status"))
    sort = fields.String(validate=validate.OneOf(SORTS, error=f"Use one of: {', '.join(SORTS)}."))
    page = fields.Integer(
        load_default=1,
        validate=validate.Range(min=1, error="Must be 1 or more."),
        error_messages={"invalid": "Must be a whole number."},
    )
    per_page = fields.Integer(
        load_default=20,
        validate=validate.Range(min=1, max=100, error="Must be from 1 to 100."),
        error_messages={"invalid": "Must be a whole number."},
    )

    @validates_schema
    def within_window(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data["page"] * data["per_page"] > MAX_RESULT_WINDOW:
            raise ValidationError(
                f"Results beyond the first {MAX_RESULT_WINDOW:,} are not paged: narrow the search.", "page"
            )


def load_list_params(args: MultiDict) -> dict[str, Any]:
    """Turn query arguments into checked values; raises marshmallow's ValidationError naming each field.

    Multi-valued filters may be repeated (``theme=a&theme=b``) or comma-separated (``theme=a,b``);
    values within one filter OR together, different filters AND.
    """
    raw: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for key in args:
        values = args.getlist(key)
        if key in MULTI_VALUED:
            raw[key] = [part.strip() for value in values for part in value.split(",") if part.strip()]
        elif len(values) > 1:
            errors[key] = ["Give this parameter once."]
        else:
            raw[key] = values[0]
    if errors:
        raise ValidationError(errors)
    return DatasetListParamsSchema().load(raw)
