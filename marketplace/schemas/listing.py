"""Query parameters of ``GET /api/v1/datasets`` and the find pages: one set of rules for both."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema
from werkzeug.datastructures import MultiDict

from marketplace.errors import BadRequestError
from marketplace.schemas.fields import LicenceField, Vocabulary
from marketplace.services.freshness import FRESHNESS_STATES
from marketplace.services.metadata_quality import BANDS
from marketplace.vocabularies import ACCESS_RIGHTS, DATASET_STATUSES, ENTRY_TYPES, THEMES

MAX_QUERY_LENGTH = 500
# Deep pages cost the database more for each page; harvesters should use the bulk exports.
MAX_RESULT_WINDOW = 10_000
# Lists with a page size of their own (the publish dashboard): as far as an entry's history goes.
MAX_PAGE_NUMBER = 100_000
SORTS = ("relevance", "updated", "title", "quality")
# A person picks a few values of a filter and a few filters; a request with more is a script or
# an attack. The bounds keep one search's work small whatever is sent: the search masks the
# index once per value, and the find page shows each value in its panel and its tags.
MAX_FILTER_VALUES = 20
MAX_PARAMETERS = 100
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

    @post_load
    def without_repeats(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        """Each filter's values once, in the order given (formats compared in upper case, as the
        search compares them)."""
        for name in MULTI_VALUED:
            if data.get(name):
                seen: dict[str, str] = {}
                for value in data[name]:
                    seen.setdefault(value.upper() if name == "format" else value, value)
                data[name] = list(seen.values())
        return data

    @validates_schema
    def within_window(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data["page"] * data["per_page"] > MAX_RESULT_WINDOW:
            raise ValidationError(
                f"Results beyond the first {MAX_RESULT_WINDOW:,} are not paged: narrow the search.", "page"
            )


def load_list_params(args: MultiDict) -> dict[str, Any]:
    """Turn query arguments into checked values; raises marshmallow's ValidationError naming each field.

    Multi-valued filters may be repeated (``theme=a&theme=b``) or comma-separated (``theme=a,b``);
    values within one filter OR together, different filters AND. At most MAX_FILTER_VALUES
    values for each filter and MAX_PARAMETERS parameters in all (repeats count: the bound is on
    what was sent), checked before any value is.
    """
    raw: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    given = 0
    for key, values in args.lists():
        given += len(values)
        if key in MULTI_VALUED:
            parts = [part.strip() for value in values for part in value.split(",") if part.strip()]
            if len(parts) > MAX_FILTER_VALUES:
                errors[key] = [f"Give at most {MAX_FILTER_VALUES} values ({len(parts):,} given)."]
            else:
                raw[key] = parts
        elif len(values) > 1:
            errors[key] = ["Give this parameter once."]
        else:
            raw[key] = values[0]
    if given > MAX_PARAMETERS and not errors:
        errors["_schema"] = [f"Give at most {MAX_PARAMETERS} parameters ({given:,} given)."]
    if errors:
        raise ValidationError(errors)
    return DatasetListParamsSchema().load(raw)


class PageNumberSchema(Schema):
    page = fields.Integer(
        load_default=1,
        validate=validate.Range(
            min=1, max=MAX_PAGE_NUMBER, error=f"Must be a whole number from 1 to {MAX_PAGE_NUMBER:,}."
        ),
        error_messages={"invalid": f"Must be a whole number from 1 to {MAX_PAGE_NUMBER:,}."},
    )


def load_page_number(args: MultiDict) -> int:
    """`page` of a list whose page size is fixed; BadRequestError saying what is wrong with it."""
    try:
        return PageNumberSchema().load({"page": args["page"]} if "page" in args else {})["page"]
    except ValidationError as error:
        messages = error.messages["page"]
        raise BadRequestError(f"Page number: {' '.join(messages)}", {"page": messages}) from error
