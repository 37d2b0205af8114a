"""Computed metadata quality, stored on each entry (so search can filter and sort by it) and
recomputed on every change and after each link check. How it is scored is `rules.quality`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from marketplace.extensions import db
from marketplace.models import Dataset, LinkCheck, OutboxEntry
from marketplace.rules.freshness import freshness_dates
from marketplace.rules.quality import assess, entry_urls

__all__ = ["link_checks_for", "recompute_all", "refresh_computed_quality"]

RECOMPUTE_BATCH_SIZE = 200


def link_checks_for(urls: Iterable[str]) -> dict[str, LinkCheck]:
    """The stored link checks of these URLs, by URL."""
    wanted = sorted(set(urls))
    if not wanted:
        return {}
    rows = db.session.scalars(select(LinkCheck).where(LinkCheck.url.in_(wanted)))
    return {row.url: row for row in rows}


def refresh_computed_quality(dataset: Dataset, link_checks: Mapping[str, LinkCheck] | None = None) -> bool:
    """Set the entry's computed quality and freshness columns; True when any of them changed.

    Looks up the link checks itself unless given them (without flushing: the entry may be
    half-built when this runs). Does not commit.
    """
    if link_checks is None:
        with db.session.no_autoflush:
            link_checks = link_checks_for(entry_urls(dataset))
    assessment = assess(dataset, link_checks)
    fresh_until, overdue_after = freshness_dates(dataset.update_frequency, dataset.modified)
    values = {
        "metadata_score": assessment.score,
        "metadata_band": assessment.band,
        "metadata_dimensions": assessment.dimensions,
        "metadata_indicators": assessment.indicators,
        "fresh_until": fresh_until,
        "overdue_after": overdue_after,
    }
    changed = any(getattr(dataset, name) != value for name, value in values.items())
    if changed:
        for name, value in values.items():
            setattr(dataset, name, value)
    return changed


def recompute_all(
    *, organisation_id: Any = None, missing_only: bool = False, dataset_ids: Iterable[Any] | None = None
) -> int:
    """Recompute the stored quality of every entry (or one organisation's, or those of
    `dataset_ids`), in batches; return the count.

    Run after each link check, by `flask quality recompute`, and by `flask seed` (with
    `missing_only`, for entries stored before scores existed; with `dataset_ids`, for the entries
    whose sample links it checked). An entry whose figures changed gets an outbox row so the
    search index follows. Commits after each batch.
    """
    query = select(Dataset.id).where(Dataset.deleted_at.is_(None)).order_by(Dataset.id)
    if organisation_id is not None:
        query = query.where(Dataset.organisation_id == organisation_id)
    if dataset_ids is not None:
        query = query.where(Dataset.id.in_(list(dataset_ids)))
    if missing_only:
        query = query.where(Dataset.metadata_score.is_(None))
    ids = list(db.session.scalars(query))
    for start in range(0, len(ids), RECOMPUTE_BATCH_SIZE):
        _recompute_batch(ids[start : start + RECOMPUTE_BATCH_SIZE])
    return len(ids)


def _recompute_batch(ids: list[Any], attempts: int = 3) -> None:
    for attempt in range(attempts):
        batch = list(db.session.scalars(select(Dataset).where(Dataset.id.in_(ids))))
        checks = link_checks_for(set().union(*(entry_urls(d) for d in batch)))
        for dataset in batch:
            if refresh_computed_quality(dataset, checks):
                db.session.add(OutboxEntry(dataset=dataset, change="upsert"))
        try:
            db.session.commit()
            return
        except StaleDataError:
            # An entry was edited meanwhile (its edit computed its own score): reload and retry.
            db.session.rollback()
            if attempt == attempts - 1:
                raise
