"""package_search's `fq`: the part of Solr's query syntax CKAN clients send, read here.

`field:value`, `field:"quoted value"`, `-field:value` (and NOT), `+field:value`, AND (or a space)
and OR, parentheses, `field:(a OR b)`, `field:*` and ranges `metadata_modified:[X TO Y]` (with
`*` and NOW, NOW-7DAYS). Anything else is refused as Solr would refuse it: a SearchQueryError,
never an exception of the parser's own.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

MAX_FQ_LENGTH = 1000
MAX_DEPTH = 20
# The fields fq may name, each with the values an entry has for it (see actions_search.facts_of).
FIELDS = ("organization", "tags", "res_format", "license_id", "groups", "name", "id", "metadata_modified")
_TOKEN = re.compile(r'\s+|"(?:[^"\\]|\\.)*"|[()\[\]{}]|[^\s()\[\]{}"]+')
_NOW = re.compile(r"^NOW(?:-(\d{1,5})DAYS?)?$")

Predicate = Callable[[dict[str, Any]], bool]


class FilterQueryError(ValueError):
    """An fq that Solr would not parse; the message says where."""


def parse_filter_query(text: str) -> Predicate:
    """A predicate over an entry's facts for `text`; FilterQueryError if it cannot be read."""
    if len(text) > MAX_FQ_LENGTH:
        raise FilterQueryError(f"fq is longer than {MAX_FQ_LENGTH} characters.")
    pieces = _TOKEN.findall(text)
    # Every character belongs to a piece unless a quote is left open (a quoted value keeps
    # its spaces, so the pieces are compared with the text as it is).
    if "".join(pieces) != text:
        raise FilterQueryError("fq has an unbalanced quote.")
    tokens = [t for t in pieces if not t.isspace()]
    if not tokens:
        return lambda facts: True
    parser = _Parser(tokens)
    predicate = parser.or_expression(0)
    if parser.position != len(tokens):
        raise FilterQueryError(f"Unexpected {tokens[parser.position]!r}.")
    return predicate


class _Parser:
    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.position = 0

    def peek(self) -> str | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self) -> str:
        token = self.peek()
        if token is None:
            raise FilterQueryError("fq ends too soon.")
        self.position += 1
        return token

    def or_expression(self, depth: int) -> Predicate:
        if depth > MAX_DEPTH:
            raise FilterQueryError("fq is nested too deeply.")
        parts = [self.and_expression(depth)]
        while self.peek() == "OR":
            self.take()
            parts.append(self.and_expression(depth))
        return parts[0] if len(parts) == 1 else (lambda facts: any(p(facts) for p in parts))

    def and_expression(self, depth: int) -> Predicate:
        parts = [self.unary(depth)]
        while self.peek() not in (None, "OR", ")"):
            if self.peek() == "AND":
                self.take()
            parts.append(self.unary(depth))
        return parts[0] if len(parts) == 1 else (lambda facts: all(p(facts) for p in parts))

    def unary(self, depth: int) -> Predicate:
        token = self.peek()
        if token == "NOT":
            self.take()
            inner = self.unary(depth)
            return lambda facts: not inner(facts)
        if token and token[0] in "-+" and len(token) > 1:
            # The sign belongs to the clause: split it off and read the clause.
            self.tokens[self.position] = token[1:]
            inner = self.primary(depth)
            return (lambda facts: not inner(facts)) if token[0] == "-" else inner
        return self.primary(depth)

    def primary(self, depth: int) -> Predicate:
        token = self.take()
        if token == "(":
            inner = self.or_expression(depth + 1)
            self.expect(")")
            return inner
        field, colon, value = token.partition(":")
        if not colon or not field:
            raise FilterQueryError(f"Expected field:value, not {token!r}.")
        if field not in FIELDS:
            raise FilterQueryError(f"Cannot filter on {field!r}: use one of {', '.join(FIELDS)}.")
        if value:
            return _match(field, _unquote(value))
        following = self.take()
        if following.startswith('"'):
            return _match(field, _unquote(following))
        if following in ("[", "{"):
            return self.range(field, inclusive=following == "[")
        if following == "(":
            return self.values(field, depth + 1)
        raise FilterQueryError(f"Expected a value after {token!r}.")

    def values(self, field: str, depth: int) -> Predicate:
        """`field:(a OR b)` and `field:(a AND b)`: values of one field."""
        if depth > MAX_DEPTH:
            raise FilterQueryError("fq is nested too deeply.")
        parts, joiner = [], any
        while self.peek() != ")":
            token = self.take()
            if token in ("OR", "AND"):
                joiner = all if token == "AND" else joiner
                continue
            if token in ("(", "[", "{", "]", "}"):
                raise FilterQueryError(f"Unexpected {token!r} in a list of values.")
            parts.append(_match(field, _unquote(token)))
        self.expect(")")
        if not parts:
            raise FilterQueryError(f"{field}:() names no value.")
        return lambda facts: joiner(p(facts) for p in parts)

    def range(self, field: str, *, inclusive: bool) -> Predicate:
        low = self.take()
        self.expect("TO")
        high = self.take()
        closing = self.take()
        if closing not in ("]", "}"):
            raise FilterQueryError("A range ends with ] or }.")
        if field != "metadata_modified":
            raise FilterQueryError("Only metadata_modified takes a range.")
        start, end = _instant(low), _instant(high)

        def within(facts: dict[str, Any]) -> bool:
            moment = facts["metadata_modified"]
            if start is not None and (moment < start if inclusive else moment <= start):
                return False
            return end is None or (moment <= end if inclusive else moment < end)

        return within

    def expect(self, wanted: str) -> None:
        token = self.take()
        if token != wanted:
            raise FilterQueryError(f"Expected {wanted!r}, not {token!r}.")


def _unquote(value: str) -> str:
    if value.startswith('"'):
        return re.sub(r"\\(.)", r"\1", value[1:-1])
    return re.sub(r"\\(.)", r"\1", value)


def _match(field: str, value: str) -> Predicate:
    if field == "metadata_modified":
        moment = _instant(value)
        return lambda facts: moment is not None and facts["metadata_modified"] == moment
    if value == "*":
        return lambda facts: bool(facts[field])
    return lambda facts: value in facts[field]


def _instant(text: str) -> datetime | None:
    """A point in time as Solr writes one (ISO 8601 with Z, or NOW, NOW-7DAYS); None for `*`."""
    text = _unquote(text)
    if text == "*":
        return None
    now = _NOW.match(text)
    if now:
        return datetime.now(UTC).replace(tzinfo=None) - timedelta(days=int(now.group(1) or 0))
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as error:
        raise FilterQueryError(f"{text!r} is not a date and time such as 2024-01-31T00:00:00Z.") from error
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment
