"""Related entries: the entries most like one entry by content (search/related.py), that the
actor may list. The index ranks; the database has the last word on visibility, as in finding.
When the index is unavailable, the newest entries sharing a theme answer instead."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import Dataset
from marketplace.rules.actors import Actor
from marketplace.rules.permissions import can_list
from marketplace.search import SearchUnavailable, index_root
from marketplace.search.related import related_ids
from marketplace.services.finding import audience_of, find_datasets

log = logging.getLogger(__name__)


def related_datasets(actor: Actor, dataset: Dataset, limit: int) -> list[Dataset]:
    """Up to `limit` published entries that `actor` may list, most like `dataset` first; never
    `dataset` itself."""
    try:
        ids = [uuid.UUID(i) for i in related_ids(index_root(), audience_of(actor), dataset.id, limit)]
    except SearchUnavailable as error:
        log.warning("search unavailable, related entries by theme: %s", error)
        return _sharing_a_theme(actor, dataset, limit)
    rows = db.session.scalars(select(Dataset).where(Dataset.id.in_(ids))).all()
    by_id = {d.id: d for d in rows if can_list(actor, d, ["published"])}
    return [by_id[i] for i in ids if i in by_id and i != dataset.id]


def _sharing_a_theme(actor: Actor, dataset: Dataset, limit: int) -> list[Dataset]:
    # find_datasets lists from the database itself when the index cannot answer.
    queries: list[dict[str, Any]] = []
    themes = [t.theme for t in dataset.themes]
    if themes:
        queries.append({"theme": themes})
    queries.append({"organisation": [dataset.organisation.slug]})
    related: dict[Any, Dataset] = {}
    for filters in queries:
        params = {**filters, "sort": "updated", "page": 1, "per_page": limit + 1}
        for entry in find_datasets(actor, params).items:
            if entry.id != dataset.id:
                related.setdefault(entry.id, entry)
        if len(related) >= limit:
            break
    return list(related.values())[:limit]
