"""Keeping the index in step with the database.

The database is the truth. Every change writes an outbox row in its own transaction; this
module applies pending rows to the index (after each commit, at start-up, on an interval, and
from `search sync`). The index remembers the highest outbox id it has applied in a document of
its own, written in the same index commit as the changes, so a crash anywhere leaves it
either before or after a batch, never half-way, and the next sync carries on from there.

`flask prune` deletes outbox rows older than its retention window and records the highest id it
deleted (the horizon). An index whose position is below the horizon has been away longer than
that and may have missed changes whose rows are gone: catching it up would silently leave them
out, so the CLI rebuilds it instead, and a web process reports it (index_status, /readyz) and
leaves the rebuild, which takes minutes at 100,000 entries, to `search sync`.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, or_, select

from marketplace.extensions import db
from marketplace.models import Dataset, OutboxEntry, PruneHorizon
from marketplace.models.types import utcnow
from marketplace.search import store
from marketplace.search.bulk import BulkSegmentWriter, build_segments
from marketplace.search.entries import load_entries
from marketplace.search.schema import META_ID, entry_document

log = logging.getLogger(__name__)

# Outbox ids are handed out when rows are written, but transactions commit in any order, so a
# row with a lower id can appear after a higher one was applied. Each sync notes the ids it
# skipped over (gaps) and looks for them again on later syncs for this long; after that a gap is
# taken to be a rolled-back transaction. Applying a row twice is harmless (it re-reads the entry).
LATE_COMMIT_WINDOW = timedelta(seconds=60)
MAX_GAPS = 10_000
GAP_SCAN = 1_000


# The name under which `flask prune` records how far it has deleted the outbox (prune_horizons).
OUTBOX_HORIZON = "outbox"


@dataclass
class SyncResult:
    applied: int
    position: int
    # Set when the index is below the prune horizon and was left alone (build_if_missing off).
    behind_horizon: int | None = None


@dataclass
class Progress:
    position: int = 0
    gaps: dict[int, float] = field(default_factory=dict)  # outbox id -> when first missed (epoch s)


# Per index directory, the progress last read and the index's commit state it was read at.
_known_progress: dict[Path, tuple[object, Progress]] = {}


def _read_progress(root: Path) -> Progress:
    """The index's progress, read again only when the index has changed since last read: the
    background sync asks every interval, and opening the index to read it costs ~150 ms at
    100,000 entries (store.read_current says why it is not kept open)."""
    state = store.commit_state(root)
    known = _known_progress.get(root)
    if known is not None and known[0] == state:
        return known[1]
    progress = store.read_current(root, _progress_in)
    _known_progress[root] = (state, progress)
    return progress


def _position_and_count(searcher) -> tuple[int, int]:
    return _progress_in(searcher).position, searcher.doc_count() - 1  # less the position document


def _progress_in(searcher) -> Progress:
    stored = searcher.document(id=META_ID)
    if not stored:
        return Progress()
    gaps = {int(k): float(v) for k, v in json.loads(stored.get("gaps") or "{}").items()}
    return Progress(int(stored["position"]), gaps)


def _write_progress(writer, progress: Progress) -> None:
    writer.update_document(
        id=META_ID, kind="meta", position=progress.position, gaps=json.dumps(progress.gaps)
    )


def _apply(writer, dataset_ids: Iterable[uuid.UUID]) -> int:
    ids = list(dict.fromkeys(dataset_ids))
    found = load_entries(ids)
    for dataset_id in ids:
        entry = found.get(dataset_id)
        if entry is None:  # deleted, or never committed
            writer.delete_by_term("id", str(dataset_id))
        else:
            writer.update_document(**entry_document(entry))
    return len(ids)


def sync_index(
    root: Path, writer_timeout: float = store.WRITER_TIMEOUT_S, *, build_if_missing: bool = False
) -> SyncResult:
    """Apply every outbox row the index has not applied yet.

    Waits up to `writer_timeout` for another process's writer (Whoosh allows one at a time).
    With no index, or one that cannot be read (damaged), builds one if `build_if_missing` (the
    CLI), else raises SearchUnavailable: a web process must not start a rebuild that takes
    minutes at 100,000 entries.
    With an index below the prune horizon (rows it has not applied may be gone), rebuilds it
    if `build_if_missing`, else logs an error once and applies nothing (catching up would hide
    what was missed behind an advancing position); index_status reports it until rebuilt.
    """
    try:
        ix = store.open_index(root)
        progress = _read_progress(root)
    except store.SearchUnavailable:
        if not build_if_missing:
            raise
        return rebuild_index(root)
    wanted = OutboxEntry.id > progress.position
    if progress.gaps:
        wanted = or_(wanted, OutboxEntry.id.in_(list(progress.gaps)))
    rows = db.session.execute(
        select(OutboxEntry.id, OutboxEntry.dataset_id).where(wanted).order_by(OutboxEntry.id)
    ).all()
    # Read after the rows: a prune deletes rows and raises the horizon in one commit, so a horizon
    # still at or below our position here means none of the rows just read had been deleted.
    horizon = outbox_horizon()
    db.session.commit()  # end the read transaction: long-lived workers must not hold one open
    if progress.position < horizon:
        if build_if_missing:
            return rebuild_index(root)
        _report_behind(root, progress.position, horizon)
        return SyncResult(0, progress.position, behind_horizon=horizon)
    if not rows and not progress.gaps:
        return SyncResult(0, progress.position)
    now = time.time()
    seen = {row.id for row in rows}
    new_position = max([progress.position, *seen])
    gaps = {gap: since for gap, since in progress.gaps.items() if gap not in seen and now - since < _window()}
    gaps.update({gap: now for gap in range(progress.position + 1, new_position) if gap not in seen})
    if len(gaps) > MAX_GAPS:  # a huge rollback: keep the newest
        gaps = dict(sorted(gaps.items())[-MAX_GAPS:])
    if not rows and gaps == progress.gaps:
        return SyncResult(0, progress.position)
    writer = store.writer(ix, writer_timeout)
    try:
        _apply(writer, [row.dataset_id for row in rows])
        _write_progress(writer, Progress(new_position, gaps))
        writer.commit()
    except BaseException:
        store.abandon(writer)
        raise
    db.session.commit()
    return SyncResult(len(rows), new_position)


def outbox_horizon() -> int:
    """The highest outbox id `flask prune` has deleted (0: none): rows at or below it may be gone."""
    return (
        db.session.scalar(select(PruneHorizon.pruned_through).where(PruneHorizon.name == OUTBOX_HORIZON)) or 0
    )


# (index directory, horizon) already logged by this process: the background sync runs every few
# seconds, and one error line says it.
_reported_behind: set[tuple[str, int]] = set()


def _report_behind(root: Path, position: int, horizon: int) -> None:
    if (str(root), horizon) in _reported_behind:
        return
    _reported_behind.add((str(root), horizon))
    log.error(
        "the search index in %s is at change %s, but changes up to %s have been pruned: it may miss "
        "some, so it is not caught up; run 'flask --app marketplace search sync' to rebuild it",
        root,
        position,
        horizon,
        extra={"index_position": position, "prune_horizon": horizon},
    )


def _behind_detail(position: int, horizon: int) -> str:
    return (
        f"the index is at change {position} but changes up to {horizon} were pruned, so it may miss "
        "some: run 'search sync' to rebuild it"
    )


def _unseen_ids_below(position: int) -> dict[int, float]:
    """Ids below `position` with no outbox row yet, which a transaction still open may hold:
    those among the last minute's rows, and at least among the last GAP_SCAN ids (none at or
    below the prune horizon: those rows were deleted, not late)."""
    recent = utcnow() - LATE_COMMIT_WINDOW
    lowest_recent = db.session.scalar(
        select(func.min(OutboxEntry.id)).where(OutboxEntry.created_at >= recent)
    )
    lowest = max(1, outbox_horizon() + 1, min(lowest_recent or position, position - GAP_SCAN))
    present = set(db.session.scalars(select(OutboxEntry.id).where(OutboxEntry.id.between(lowest, position))))
    now = time.time()
    missing = {gap: now for gap in range(lowest, position) if gap not in present}
    return dict(sorted(missing.items())[-MAX_GAPS:])


def _window() -> float:
    return LATE_COMMIT_WINDOW.total_seconds()


def rebuild_index(
    root: Path, progress: Callable[[int, int], None] | None = None, processes: int | None = None
) -> SyncResult:
    """Build a complete index from the database in a new generation, then switch to it.

    Searches keep using the old generation until the switch. Changes committed during the
    build are picked up by the sync that follows it, which starts from the outbox position
    read first. `processes` write segments in parallel (default: one per core).
    """
    # At least the horizon: with no row left above it (prune keeps the newest, but a hard delete of
    # an entry takes its rows), the index still holds every change up to it, and a lower position
    # would look like an index that missed them.
    position = max(db.session.scalar(select(func.max(OutboxEntry.id))) or 0, outbox_horizon())
    gaps = _unseen_ids_below(position)
    ids = list(
        db.session.scalars(select(Dataset.id).where(Dataset.deleted_at.is_(None)).order_by(Dataset.id))
    )
    generation, ix = store.new_generation(root)
    try:
        segments = build_segments(ix, ids, processes or os.cpu_count() or 1, progress)
        writer = BulkSegmentWriter(ix, lock=True)
        try:
            _write_progress(writer, Progress(position, gaps))
            writer.commit_segments(segments)
        except BaseException:
            store.abandon(writer)
            raise
    except BaseException:
        shutil.rmtree(generation, ignore_errors=True)
        raise
    db.session.commit()
    store.switch_to(root, generation)
    # Changes committed during the build went to the old generation: apply them here at once.
    sync_index(root)
    return SyncResult(len(ids), position)


@dataclass
class IndexStatus:
    available: bool
    documents: int
    position: int
    pending: int
    oldest_pending_seconds: float | None
    detail: str


def index_status(root: Path) -> IndexStatus:
    """How far the index lags the database: pending outbox rows and the age of the oldest."""
    try:
        # A damaged index is reported, not raised; less the position document.
        position, documents = store.read_current(root, _position_and_count)
        available, detail = True, "ok"
    except store.SearchUnavailable as error:
        position, documents, available, detail = 0, 0, False, str(error)
    horizon = outbox_horizon()
    if available and position < horizon:
        # It still answers searches, but not with every change: not ready, and `search sync`
        # (which rebuilds an unavailable index) puts it right.
        available, detail = False, _behind_detail(position, horizon)
    pending_rows = select(OutboxEntry).where(OutboxEntry.id > position).subquery()
    pending = db.session.scalar(select(func.count()).select_from(pending_rows)) or 0
    oldest = db.session.scalar(select(func.min(pending_rows.c.created_at)))
    if oldest is not None and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=utcnow().tzinfo)
    db.session.commit()
    age = (utcnow() - oldest).total_seconds() if oldest else None
    return IndexStatus(available, max(documents, 0), position, pending, age, detail)
