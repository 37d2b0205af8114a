"""Recording what people search for: the one way a search reaches the search log.

A search is recorded with its query (normalised), filters, the count the person saw, when,
where it came from and the organisation whose page it was. Never a user, IP, session or
token: the log answers "what do people look for", not "who". Recording is best effort: a
failure is logged and the search goes on.

A click on a result is recorded the same way, with the search it came from, the entry and its
rank. The link that records it carries a signature (the app's secret, itsdangerous) over the
search id, the entry and the rank, made when that search's page was drawn: a made-up id, another
search's id, another entry or another rank is refused. Each entry counts once per search, so a
link followed again, or replayed, adds nothing; a search can gain at most one click per result.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Mapping

from flask import current_app
from itsdangerous import Signer
from sqlalchemy import exists, insert, literal, select

from marketplace.extensions import db
from marketplace.models.search_log import QUERY_MAX_LENGTH, SearchClick, SearchLog
from marketplace.models.types import utcnow

log = logging.getLogger(__name__)

_SPACES = re.compile(r"\s+")
# Filters are facet names with short values; cap them so a crafted URL cannot bloat a row.
_MAX_FILTERS = 20
_MAX_FILTER_VALUE = 120
_CLICK_SALT = "search-click"
# Results on a logged page are at most the largest page the API allows (per_page ≤ 100).
MAX_RANK = 100
_MAX_SLUG = SearchClick.__table__.c.dataset_slug.type.length


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


def _signer() -> Signer:
    return Signer(current_app.config["SECRET_KEY"], salt=_CLICK_SALT)


def _signed_value(search_id: uuid.UUID, slug: str, rank: int) -> bytes:
    # No slug we link to holds a space (nor does a UUID's hex or a number): the parts cannot shift.
    return f"{search_id.hex} {slug} {rank}".encode()


def click_signature(search_id: uuid.UUID, slug: str, rank: int) -> str:
    """The signature a result's link carries, so that following it may record a click of
    `slug` at `rank` on the search `search_id`, and nothing else."""
    return _signer().get_signature(_signed_value(search_id, slug, rank)).decode("ascii")


def record_click(*, search: str | None, slug: str, rank: str | None, signature: str | None) -> bool:
    """Record that a result of a logged search was followed, in a transaction of its own; True
    when a click was added. Nothing is added (and nothing raised) when the log is off, the
    search id, rank or signature is missing, malformed or forged, the search has been pruned,
    or this entry was already followed from this search. No user, IP, session or token is kept."""
    if not current_app.config.get("SEARCH_LOG_ENABLED", True):
        return False
    try:
        search_id = uuid.UUID(hex=search or "")
        position = int(rank or "")
    except ValueError:
        return False
    if not (1 <= position <= MAX_RANK) or not slug or len(slug) > _MAX_SLUG or not signature:
        return False
    if not _signer().verify_signature(_signed_value(search_id, slug, position), signature.encode()):
        return False
    try:
        return _insert_click(search_id, slug, position)
    except Exception:
        log.exception("Could not record a click on a search result")
        return False


def _insert_click(search_id: uuid.UUID, slug: str, rank: int) -> bool:
    """INSERT … SELECT: a search pruned meanwhile, or an entry already followed from it, adds no
    row (rather than a foreign-key error, or a second click that would count nothing new)."""
    already = exists().where(SearchClick.search_id == search_id, SearchClick.dataset_slug == slug)
    row = select(
        literal(uuid.uuid4(), SearchClick.id.type),
        SearchLog.id,
        literal(rank, SearchClick.rank.type),
        literal(slug, SearchClick.dataset_slug.type),
        literal(utcnow(), SearchClick.clicked_at.type),
    ).where(SearchLog.id == search_id, ~already)
    columns = ["id", "search_id", "rank", "dataset_slug", "clicked_at"]
    with db.engine.begin() as connection:  # as _insert: the request's session is left alone
        # RETURNING, as rowcount is not to be relied on for INSERT … SELECT (psycopg gave -1).
        added = connection.execute(insert(SearchClick).from_select(columns, row).returning(SearchClick.id))
        return added.first() is not None
