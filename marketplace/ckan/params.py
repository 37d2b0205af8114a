"""An action's parameters: flat query arguments on GET (lists as JSON text, as CKAN reads them)
or a JSON object on POST, read with types and bounds so that no value reaches a service unchecked."""

from __future__ import annotations

import json
from typing import Any

from flask import request

from marketplace.api.http import MAX_INTEGER_DIGITS, json_body
from marketplace.ckan.envelope import BadActionRequest
from marketplace.errors import ValidationError

_TRUE = {"true", "1", "yes", "on", "t", "y"}
_FALSE = {"false", "0", "no", "off", "f", "n", ""}


def request_data(*, side_effect_free: bool) -> dict[str, Any]:
    """The action's data dict; BadActionRequest as CKAN answers a write by GET or a body that is
    not a JSON object."""
    if request.method == "GET":
        if not side_effect_free:
            raise BadActionRequest("JSON Error: Invalid request. Please use POST method for your request")
        data: dict[str, Any] = {}
        for key, values in request.args.lists():
            data[key] = values[0] if len(values) == 1 else values
        data.pop("_", None)  # a browser's cache-buster
        return data
    if not request.get_data(cache=True).strip():
        return {}
    body = json_body()
    if not isinstance(body, dict):
        raise BadActionRequest(
            f"Bad request data: Request data JSON decoded to {type(body).__name__} "
            "but it needs to be a dictionary."
        )
    return body


def _storable(name: str, value: str) -> None:
    """Refuse what no database or index can hold: NUL, and halves of a surrogate pair."""
    if "\x00" in value or any("\ud800" <= c <= "\udfff" for c in value):
        raise ValidationError({name: ["Must not contain NUL characters or unpaired surrogates."]})


class Params:
    """Typed reads of a data dict; `finish()` refuses what no read asked for."""

    def __init__(self, data: dict[str, Any], ignored: frozenset[str] = frozenset()) -> None:
        self.data = data
        self.read: set[str] = set(ignored)

    def __contains__(self, name: str) -> bool:
        return name in self.data

    def string(self, name: str, default: str | None = None, *, max_length: int = 1000) -> str | None:
        self.read.add(name)
        value = self.data.get(name, default)
        if value is None:
            return None
        if not isinstance(value, str):
            raise ValidationError({name: ["Must be a string."]})
        if len(value) > max_length:
            raise ValidationError({name: [f"Must be {max_length} characters or fewer."]})
        _storable(name, value)
        return value

    def required_string(self, name: str) -> str:
        value = self.string(name)
        if not value:
            raise ValidationError({name: ["Missing value"]})
        return value

    def integer(self, name: str, default: int, *, minimum: int = 0, maximum: int = 1_000_000) -> int:
        self.read.add(name)
        value = self.data.get(name, default)
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            text = value.strip()
            value = int(text) if len(text) <= MAX_INTEGER_DIGITS else None
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValidationError({name: ["Invalid integer"]})
        if not minimum <= value <= maximum:
            raise ValidationError({name: [f"Must be a whole number from {minimum} to {maximum}."]})
        return value

    def boolean(self, name: str, default: bool = False) -> bool:
        self.read.add(name)
        value = self.data.get(name, default)
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        raise ValidationError({name: ["Must be true or false."]})

    def string_list(self, name: str, *, max_items: int = 50) -> list[str]:
        self.read.add(name)
        value = self.data.get(name, [])
        if isinstance(value, str):
            try:
                value = json.loads(value) if value.strip().startswith("[") else [value]
            except ValueError as error:
                raise ValidationError({name: ["Must be a list, or a JSON list of strings."]}) from error
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValidationError({name: ["Must be a list of strings."]})
        if len(value) > max_items:
            raise ValidationError({name: [f"Give at most {max_items}."]})
        for item in value:
            _storable(name, item)
        return value

    def finish(self) -> None:
        unknown = sorted(set(self.data) - self.read)
        if unknown:
            raise ValidationError({name: ["The action does not take this parameter."] for name in unknown})
