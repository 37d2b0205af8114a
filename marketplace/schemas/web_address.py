"""Web addresses as entries hold them: links people follow from a page and the link checker asks.

Stricter than a URL parser's idea of valid: only http and https, a host, a port from 1 to 65535,
no user name or password (they would be shown to everyone, and sent with every check), no
whitespace or control characters (which browsers and servers read differently), and no ``..``
path segments (a browser resolves them, so ``/datasets/../account`` is another page than it looks;
the rule is applied to every address, not only this site's, as no published link needs one).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote, urlsplit

from marshmallow import ValidationError, fields, validate

from marketplace.schemas.fields import MAX_URL_LENGTH

NOT_VALID = "Not a valid web address: give a full http:// or https:// URL."
TOO_LONG = f"Must be {MAX_URL_LENGTH} characters or fewer."
HAS_SPACE = "Must not contain spaces or control characters."
HAS_CREDENTIALS = "Must not include a user name or password."
BAD_PORT = "Must have a port number from 1 to 65535, if any."
HAS_DOT_SEGMENT = "Must not contain “..” in its path: give the address the browser shows."

# Unicode categories that are not visible text: controls, formatting (such as bidirectional
# overrides), and line, paragraph and space separators.
_INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp", "Zs"})
_SYNTAX = validate.URL(schemes={"http", "https"}, require_tld=False, error=NOT_VALID)


def web_address_problem(text: str) -> str | None:
    """What is wrong with `text` as a web address an entry may hold, or None if nothing is."""
    if len(text) > MAX_URL_LENGTH:
        return TOO_LONG
    if any(unicodedata.category(character) in _INVISIBLE for character in text):
        return HAS_SPACE
    try:
        parts = urlsplit(text)
    except ValueError:
        return NOT_VALID
    if parts.scheme.lower() not in {"http", "https"} or not parts.hostname:
        return NOT_VALID
    if parts.username is not None or parts.password is not None:
        return HAS_CREDENTIALS
    try:
        port = parts.port
    except ValueError:
        return BAD_PORT
    if port == 0:
        return BAD_PORT
    if any(unquote(segment) == ".." for segment in re.split(r"[/\\]", parts.path)):
        return HAS_DOT_SEGMENT
    try:
        _SYNTAX(text)
    except ValidationError:
        return NOT_VALID
    return None


class WebAddress(fields.String):
    """An http(s) address an entry links to, with surrounding whitespace removed."""

    def _deserialize(
        self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any
    ) -> Any:
        text = super()._deserialize(value, attr, data, **kwargs).strip()
        problem = web_address_problem(text)
        if problem:
            raise ValidationError(problem)
        return text
