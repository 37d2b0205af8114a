"""The change feed's queries: entries in the order their records last changed.

The order is (updated_at, id), ascending, on the index ix_datasets_changed, and a page starts
after the last row of the one before (keyset paging): page 5,000 costs what page 1 does, and an
entry published, withdrawn or edited during a walk moves to its end rather than shifting the
rows around it, so nothing is skipped.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, false, func, or_, select

from marketplace.extensions import db
from marketplace.models import Dataset
from marketplace.queries.datasets import DatasetFilters, filter_conditions, once_visible_condition
from marketplace.rules.actors import Actor


@dataclass(frozen=True)
class Position:
    """Where a walk stands: the change time and id of the last row it returned."""

    changed: datetime
    dataset_id: uuid.UUID


@dataclass(frozen=True)
class Change:
    dataset: Dataset
    # False for a tombstone: an entry the caller could once list that no longer matches
    # (withdrawn, deleted, made visible to fewer people, or out of the filters).
    matching: bool


def _scope(actor: Actor, filters: DatasetFilters, since: datetime | None) -> tuple[ColumnElement, list]:
    """The condition an entry matches now, and the WHERE of the feed: without `since`, what
    matches; with it, whatever changed since then that matches now or that the caller could once list."""
    matching = and_(*filter_conditions(actor, filters))
    if since is None:
        return matching, [_unindexed(matching)]
    return matching, [Dataset.updated_at >= since, _unindexed(or_(matching, once_visible_condition(actor)))]


def _unindexed(condition: ColumnElement[bool]) -> ColumnElement[bool]:
    """`condition`, in a form no index answers (a function of it). SQLite's planner otherwise
    takes the listing index for the status and access-rights terms and sorts every matching
    row to find the first page (2.3 s at 100,000 entries, against 36 ms when it walks
    ix_datasets_changed in order and stops after a page); PostgreSQL, told little about the
    term's selectivity, makes the same choice as a page is a LIMIT."""
    return func.coalesce(condition, false())


def _after(position: Position | None) -> list[ColumnElement[bool]]:
    if position is None:
        return []
    return [
        or_(
            Dataset.updated_at > position.changed,
            and_(Dataset.updated_at == position.changed, Dataset.id > position.dataset_id),
        )
    ]


def changes(
    actor: Actor,
    filters: DatasetFilters,
    *,
    since: datetime | None,
    after: Position | None,
    limit: int,
) -> list[Change]:
    """Up to `limit` entries after `after` in change order (see the module's docstring)."""
    matching, where = _scope(actor, filters, since)
    stmt: Select = (
        select(Dataset, matching.label("matching"))
        .where(*where, *_after(after))
        .order_by(Dataset.updated_at, Dataset.id)
        .limit(limit)
    )
    return [Change(dataset, bool(flag)) for dataset, flag in db.session.execute(stmt)]


def count_changes(actor: Actor, filters: DatasetFilters, *, since: datetime | None) -> int:
    """How many rows the whole walk holds (entries and tombstones), as of now."""
    _, where = _scope(actor, filters, since)
    return db.session.scalar(select(func.count(Dataset.id)).where(*where)) or 0
