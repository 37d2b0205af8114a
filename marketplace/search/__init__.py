"""Search with Whoosh, behind a few functions: search_entries, complete_titles, highlight_text,
sync_index, rebuild_index, index_status. The database stays the truth; the index follows it
through the outbox."""

from __future__ import annotations

from marketplace.search.engine import (
    Audience,
    SearchHits,
    SearchRequest,
    complete_titles,
    expansions_of,
    search_entries,
)
from marketplace.search.highlighting import highlight_text
from marketplace.search.indexing import IndexStatus, SyncResult, index_status, rebuild_index, sync_index
from marketplace.search.store import SearchUnavailable, index_root

__all__ = [
    "Audience",
    "IndexStatus",
    "SearchHits",
    "SearchRequest",
    "SearchUnavailable",
    "SyncResult",
    "complete_titles",
    "expansions_of",
    "highlight_text",
    "index_root",
    "index_status",
    "rebuild_index",
    "search_entries",
    "sync_index",
]
