"""Recording what people search for: the one way a search reaches the search log.

A search is recorded with its query (normalised), filters, the count the person saw, when,
where it came from and the organisation whose page it was. Never a user, IP, session or
token: the log answers "what do people look for", not "who". Recording is best effort: a
failure is logged and the search goes on.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Mapping

from flask import current_app
from sqlalchemy import insert

from marketplace.extensions import db
from marketplace.models.search_log import QUERY_MAX_LENGTH, SearchLog

log = logging.getLogger(__name__)

_SPACES = re.compile(r"\s+")
# Filters are facet names with short values; cap them so a crafted URL cannot bloat a row.
_MAX_FILTERS = 20
_MAX_FILTER_VALUE = 120


# Parameters that say how results are shown or paged, not what was looked for.
NOT_FILTERS = frozenset({"q", "sort", "page", "per_page", "expand", "cursor", "highlight", "fields"})


def filters_of(params: Mapping[str, object], fixed: frozenset[str] = frozenset()) -> dict[str, object]:
    """The filters of a search's checked parameters, less those its page sets itself."""
    return {k: v for k, v in params.items() if k not in NOT_FILTERS and k not in fixed}


def normalise_query(text: str | None) -> str:
    """Trim, collapse runs of white space and cap the length of a query."""
    return _SPACES.sub(" ", text or "").strip()[:QUERY_MAX_LENGTH]


def _clean_filters(filters: Mapping[str, object]) -> dict[str, list[str]]:
    cleaned: dict[str, list[str]] = {}
    for name, values in list(filters.items())[:_MAX_FILTERS]:
        if values in (None, "", [], ()):
            continue
        as_list = values if isinstance(values, list | tuple) else [values]
        cleaned[str(name)[:40]] = [str(value)[:_MAX_FILTER_VALUE] for value in as_list[:_MAX_FILTERS]]
    return cleaned


def record_search(
    *,
    query: str | None,
    filters: Mapping[str, object],
    result_count: int,
    source: str,
    organisation_id: uuid.UUID | None = None,
) -> uuid.UUID | None:
    """Record one search in a transaction of its own and return its id, or None when the
    log is off, the search is empty, or recording failed (logged; never raised)."""
    if not current_app.config.get("SEARCH_LOG_ENABLED", True):
        return None
    text = normalise_query(query)
    cleaned = _clean_filters(filters)
    if not text and not cleaned:
        return None
    row_id = uuid.uuid4()
    try:
        _insert(
            id=row_id,
            query=text,
            filters=cleaned,
            result_count=max(0, int(result_count)),
            source=source,
            organisation_id=organisation_id,
        )
    except Exception:
        # The search matters more than its record: say so in the log and answer anyway.
        log.exception("Could not record a search", extra={"source": source})
        return None
    return row_id


def _insert(**values: object) -> None:
    """One row, on a connection and in a transaction of its own: committing the request's session
    here would expire every entry it has loaded, and the page would then load each one again as
    it is shown (one query per result)."""
    with db.engine.begin() as connection:
        connection.execute(insert(SearchLog).values(**values))
