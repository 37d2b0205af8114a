"""The change feed of the REST API: every entry a caller may list, in the order its record last
changed, paged by an opaque cursor, and with `modified_since` what changed since a time,
tombstones included, so that a mirror stays exact.

A cursor is the position after the last row of a page (its change time and id) with a
fingerprint of the query it belongs to, signed with the app's secret (itsdangerous, which
Flask's own sessions use) and dated: a forged one, one from another query, or one older than
API_CURSOR_TTL_HOURS is refused, each with its own code. Walking a whole catalogue this way
costs the same for every page, and an entry that changes during a walk moves to its end: it is
returned (again, if it had been) with its new `metadata_modified`, and nothing is skipped.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from marketplace.errors import BadRequestError
from marketplace.models import Dataset
from marketplace.queries.changes import Change, Position, changes, count_changes
from marketplace.queries.datasets import DatasetFilters
from marketplace.rules.actors import Actor
from marketplace.schemas.listing import MULTI_VALUED
from marketplace.services.catalogue import check_filters

_SALT = "api.datasets.cursor"
# Parameters that do not change which rows a walk holds: a client may change them mid-walk (and
# the sort of a walk is always the feed's, whether it is named or not).
_NOT_IN_FINGERPRINT = frozenset({"cursor", "page", "per_page", "sort"})
# Rows fetched at a time for the streamed download.
STREAM_BATCH = 500


@dataclass
class FeedPage:
    changes: list[Change]
    total: int
    per_page: int
    next_cursor: str | None


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=_SALT)


def _fingerprint(params: dict[str, Any]) -> str:
    query = {k: v for k, v in params.items() if k not in _NOT_IN_FINGERPRINT and v not in (None, [])}
    text = json.dumps(query, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _filters(params: dict[str, Any]) -> DatasetFilters:
    return DatasetFilters(**{name: params[name] for name in MULTI_VALUED if params.get(name)})


def encode_cursor(position: Position, total: int, params: dict[str, Any]) -> str:
    return _serializer().dumps(
        {
            "t": position.changed.isoformat(),
            "i": position.dataset_id.hex,
            "n": total,
            "q": _fingerprint(params),
        }
    )


def decode_cursor(cursor: str, params: dict[str, Any]) -> tuple[Position, int]:
    """The position `cursor` names and the walk's total when it began, if this service made it
    for this query and it has not expired."""
    ttl_hours = current_app.config["API_CURSOR_TTL_HOURS"]
    try:
        payload = _serializer().loads(cursor, max_age=ttl_hours * 3600)
    except SignatureExpired as error:
        since = _payload_time(_serializer().loads_unsafe(cursor)[1])
        resume = f" Carry on with modified_since={since}." if since else ""
        raise BadRequestError(
            f"The cursor is more than {ttl_hours} hours old.{resume}",
            {"cursor": ["Expired: start again, or use modified_since."]},
            code="cursor_expired",
        ) from error
    except BadSignature as error:
        raise BadRequestError(
            "The cursor was not made by this service: use links.next exactly as it was given.",
            {"cursor": ["Not a cursor this service gave out."]},
            code="cursor_invalid",
        ) from error
    try:
        position = Position(datetime.fromisoformat(payload["t"]), uuid.UUID(hex=payload["i"]))
        total, fingerprint = int(payload["n"]), payload["q"]
    except (KeyError, TypeError, ValueError) as error:  # signed by us but not a cursor: another salt's
        raise BadRequestError(
            "The cursor is not one this service gave out.",
            {"cursor": ["Not a cursor this service gave out."]},
            code="cursor_invalid",
        ) from error
    if fingerprint != _fingerprint(params):
        raise BadRequestError(
            "The cursor belongs to another query: keep the other parameters as they were, or "
            "start again without a cursor.",
            {"cursor": ["Made for a different set of filters."]},
            code="cursor_mismatch",
        )
    return position, total


def _payload_time(payload: Any) -> str | None:
    """The change time in an expired cursor (whose signature was good): where to carry on from."""
    try:
        return datetime.fromisoformat(payload["t"]).isoformat().replace("+00:00", "Z")
    except (KeyError, TypeError, ValueError):
        return None


def read_page(actor: Actor, params: dict[str, Any]) -> FeedPage:
    """One page of the feed for the checked list parameters (schemas/listing.py, feed mode)."""
    check_filters(actor, params)
    filters, since = _filters(params), params.get("modified_since")
    if params.get("cursor"):
        after, total = decode_cursor(params["cursor"], params)
    else:
        # Counted once, on the first page, and carried in the cursor: counting every matching
        # row on every page would cost each page what the whole walk holds.
        after, total = None, count_changes(actor, filters, since=since)
    per_page = params["per_page"]
    rows = changes(actor, filters, since=since, after=after, limit=per_page + 1)
    next_cursor = None
    if len(rows) > per_page:
        rows = rows[:per_page]
        last = rows[-1].dataset
        next_cursor = encode_cursor(Position(last.updated_at, last.id), total, params)
    return FeedPage(rows, total, per_page, next_cursor)


def walk(actor: Actor, params: dict[str, Any]) -> Iterator[Change]:
    """Every row of the feed, fetched STREAM_BATCH at a time (the bulk download)."""
    check_filters(actor, params)
    filters, since = _filters(params), params.get("modified_since")
    after: Position | None = None
    while True:
        rows = changes(actor, filters, since=since, after=after, limit=STREAM_BATCH)
        yield from rows
        if len(rows) < STREAM_BATCH:
            return
        last: Dataset = rows[-1].dataset
        after = Position(last.updated_at, last.id)
