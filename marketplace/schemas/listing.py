"""Query parameters of ``GET /api/v1/datasets`` and the find pages: one set of rules for both."""

from __future__ import annotations

import re
from datetime import UTC
from typing import Any

from marshmallow import Schema, ValidationError, fields, post_load, pre_load, validate, validates_schema
from werkzeug.datastructures import MultiDict

from marketplace.errors import BadRequestError
from marketplace.models.types import utcnow
from marketplace.rules.freshness import FRESHNESS_STATES
from marketplace.rules.quality import BANDS
from marketplace.schemas.fields import LicenceField, Vocabulary
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
    # false: search only for the words typed, not also what the thesaurus says they mean.
    expand = fields.Boolean(load_default=True, error_messages={"invalid": "Must be true or false."})
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
        if data.get("page", 1) * data.get("per_page", 1) > MAX_RESULT_WINDOW:
            raise ValidationError(
                f"Results beyond the first {MAX_RESULT_WINDOW:,} are not paged by number: narrow the "
                f"search, or walk them all with sort={FEED_SORT} and the cursor in links.next.",
                "page",
            )


# The change feed's order: by the time each entry's record last changed, oldest first.
FEED_SORT = "metadata_modified"
MAX_CURSOR_LENGTH = 500
# "2026-01-01T10:00:00+01:00" typed into a URL unencoded arrives with a space for the "+".
_SPACED_OFFSET = re.compile(r"(T\d\d:\d\d(?::\d\d(?:\.\d+)?)?) (\d\d:?\d\d)$")


class ApiListParamsSchema(DatasetListParamsSchema):
    """`GET /api/v1/datasets`: the find page's parameters, and the change feed's. A `cursor`,
    `modified_since` or ``sort=metadata_modified`` pages by cursor through the feed
    (services/change_feed.py), in change order, from the database: search words and the other
    sorts belong to the search, and are refused there."""

    sort = fields.String(
        validate=validate.OneOf((*SORTS, FEED_SORT), error=f"Use one of: {', '.join((*SORTS, FEED_SORT))}.")
    )
    cursor = fields.String(
        validate=validate.Length(
            min=1, max=MAX_CURSOR_LENGTH, error="Use the cursor in links.next exactly as it was given."
        )
    )
    modified_since = fields.AwareDateTime(
        default_timezone=UTC,
        error_messages={
            "invalid": "Must be a date and time in ISO 8601 form, such as 2026-01-31T09:00:00Z.",
            "invalid_awareness": "Must be a date and time in ISO 8601 form, such as 2026-01-31T09:00:00Z.",
        },
    )

    @pre_load
    def plus_for_space(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        if isinstance(data.get("modified_since"), str):
            data = {**data, "modified_since": _SPACED_OFFSET.sub(r"\1+\2", data["modified_since"].strip())}
        return data

    @validates_schema(pass_original=True)
    def feed_rules(self, data: dict[str, Any], original: dict[str, Any], **kwargs: Any) -> None:
        if not is_feed(data):
            return
        errors: dict[str, list[str]] = {}
        if data.get("q"):
            errors["q"] = [
                "Search words cannot be combined with a cursor, modified_since or "
                f"sort={FEED_SORT}: page a search by number, or walk the catalogue without words."
            ]
        if data.get("sort") not in (None, FEED_SORT):
            errors["sort"] = [f"A cursor walk is in sort={FEED_SORT} order: leave sort out or use that."]
        if "page" in original:
            errors["page"] = ["Give either page or cursor: a cursor walk follows links.next."]
        since = data.get("modified_since")
        if since is not None and since > utcnow():
            errors["modified_since"] = ["Must not be in the future."]
        if errors:
            raise ValidationError(errors)


def is_feed(params: dict[str, Any]) -> bool:
    """Whether the list parameters ask for the change feed rather than the search."""
    return bool(params.get("cursor") or params.get("modified_since") or params.get("sort") == FEED_SORT)


class BulkParamsSchema(ApiListParamsSchema):
    """`GET /api/v1/datasets.jsonl`: the filters and `modified_since`; everything, unpaged."""

    class Meta:
        exclude = ("q", "sort", "cursor", "page", "per_page")


def load_list_params(args: MultiDict, schema: Schema | None = None) -> dict[str, Any]:
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
    return (schema or DatasetListParamsSchema()).load(raw)


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
