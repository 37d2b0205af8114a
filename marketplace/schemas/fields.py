"""Fields shared by the schemas: vocabulary terms, trimmed text, web addresses, past dates."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from marshmallow import ValidationError, fields, validate

from marketplace.vocabularies import find_licence

MAX_URL_LENGTH = 2048
_WHITESPACE = re.compile(r"\s+")


class Text(fields.String):
    """A string with surrounding whitespace removed; blank counts as absent when `required`."""

    def __init__(self, *, max_length: int | None = None, single_line: bool = True, **kwargs: Any) -> None:
        validators = list(kwargs.pop("validate", None) or [])
        if max_length is not None:
            validators.append(
                validate.Length(max=max_length, error=f"Must be {max_length} characters or fewer.")
            )
        super().__init__(validate=validators, **kwargs)
        self.single_line = single_line

    def _deserialize(
        self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any
    ) -> Any:
        text = super()._deserialize(value, attr, data, **kwargs).strip()
        if self.single_line:
            text = _WHITESPACE.sub(" ", text)
        if "\x00" in text:
            raise ValidationError("Must not contain NUL characters.")
        if not text and self.required:
            raise ValidationError("Must not be blank.")
        return text or None

    def _validate(self, value: Any) -> None:
        # A blank became None above: absent, so there is no length (or anything else) to check.
        if value is not None:
            super()._validate(value)


class Vocabulary(fields.String):
    """A term from a controlled list; accepts the value or its label (any case) and loads the value."""

    def __init__(
        self, terms: Mapping[str, Any], *, name: str, aliases: Mapping[str, str] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.terms = terms
        self.name = name
        self._lookup = {value.lower(): value for value in terms}
        for value, label in terms.items():
            text = label[0] if isinstance(label, tuple) else label
            self._lookup.setdefault(str(text).lower(), value)
        for alias, value in (aliases or {}).items():
            self._lookup[alias.lower()] = value

    def _deserialize(
        self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any
    ) -> Any:
        text = super()._deserialize(value, attr, data, **kwargs).strip()
        found = self._lookup.get(text.lower())
        if found is None:
            allowed = ", ".join(self.terms)
            raise ValidationError(f"{text!r} is not a known {self.name}. Use one of: {allowed}.")
        return found


class LicenceField(fields.String):
    """A licence URI from the list (a short id or CKAN id is accepted and stored as the URI)."""

    def _deserialize(
        self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any
    ) -> Any:
        text = super()._deserialize(value, attr, data, **kwargs).strip()
        licence = find_licence(text)
        if licence is None:
            raise ValidationError(
                f"{text!r} is not a licence we list. Use a licence URI such as the Open Government "
                "Licence v3.0 (http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/), "
                "or DATA_SHARE_AGREEMENT. GET /api/v1/licences lists them all."
            )
        return licence.uri


class PastDate(fields.Date):
    """A calendar date (YYYY-MM-DD) that is not in the future."""

    default_error_messages = {"invalid": "Not a valid date: use the form YYYY-MM-DD."}

    def _deserialize(
        self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any
    ) -> date:
        result = super()._deserialize(value, attr, data, **kwargs)
        if result > datetime.now(UTC).date():
            raise ValidationError("Must not be in the future.")
        return result


class AnyDate(fields.Date):
    default_error_messages = {"invalid": "Not a valid date: use the form YYYY-MM-DD."}


def list_of(field: fields.Field, *, max_items: int, noun: str, **kwargs: Any) -> fields.List:
    return fields.List(
        field,
        validate=validate.Length(max=max_items, error=f"Give at most {max_items} {noun}."),
        **kwargs,
    )


# Marshmallow's words for a required value that is missing or empty: pages and CSV reports say
# these the GOV.UK way ("Enter a title"), each in its own words.
EMPTY_VALUE_MESSAGES = frozenset(
    {"Missing data for required field.", "Field may not be null.", "Must not be blank."}
)
