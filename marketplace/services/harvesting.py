"""Harvesting: bring an organisation's entries in from another catalogue, and keep them in step.

A run reads the whole source first (marketplace/harvest/), so a source that fails part way (an
error answer, silence, malformed JSON or RDF) fails the run with nothing changed. Then each
record goes through the same services as any other change (services/datasets.py): created,
updated when what the source says has changed (by a hash of the record as mapped to our
fields), left alone when unchanged, reported and skipped when our validation refuses it, and
reported as a conflict, and left alone, when someone has edited the entry here since it was
harvested (unless the run is told to overwrite). An entry whose record has gone from the source
is withdrawn, never deleted.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from marketplace.errors import (
    ConflictError,
    MarketplaceError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from marketplace.extensions import db
from marketplace.harvest.records import Record
from marketplace.models import Dataset, Organisation, Revision
from marketplace.models.harvest import HarvestedEntry, HarvestProblem, HarvestRun, HarvestSource
from marketplace.models.types import utcnow
from marketplace.rules.actors import Actor
from marketplace.services.datasets import create_dataset, update_dataset, withdraw_dataset

NAME_RULE = "Use 1 to 100 lower-case letters, digits and hyphens, starting with a letter or digit."
URL_RULE = "Give the catalogue's address, starting http:// or https://, at most 2,048 characters."
DELETED_HERE = "Deleted here since it was harvested: left alone."
EDITED_HERE = "Changed here since it was harvested: left alone (run with --overwrite to replace it)."
SOURCE_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")
SOURCE_TYPES = {"ckan": "CKAN Action API", "dcat": "DCAT catalogue"}
MAX_EVERY_HOURS = 24 * 366


def _require_site_admin(actor: Actor) -> None:
    if not actor.is_site_admin:
        raise PermissionDeniedError("Only site admins manage harvesting.")


def add_source(
    actor: Actor, *, name: str, type: str, url: str, organisation: str, every_hours: int | None = None
) -> HarvestSource:
    """A new source, checked field by field (each error names its field)."""
    _require_site_admin(actor)
    errors: dict[str, list[str]] = {}
    if not SOURCE_NAME.match(name or ""):
        errors["name"] = [NAME_RULE]
    elif db.session.scalar(select(HarvestSource.id).where(HarvestSource.name == name)):
        errors["name"] = [f"There is already a source called {name!r}."]
    if type not in SOURCE_TYPES:
        errors["type"] = [f"Use one of: {', '.join(SOURCE_TYPES)}."]
    if not re.match(r"^https?://[^\s/]+", url or "", re.IGNORECASE) or len(url) > 2048:
        errors["url"] = [URL_RULE]
    owner = db.session.scalar(select(Organisation).where(Organisation.slug == organisation))
    if owner is None:
        errors["org"] = [f"There is no organisation called {organisation!r}."]
    if every_hours is not None and not 1 <= every_hours <= MAX_EVERY_HOURS:
        errors["every"] = [f"Give a whole number of hours from 1 to {MAX_EVERY_HOURS:,}."]
    if errors:
        raise ValidationError(errors)
    source = HarvestSource(name=name, type=type, url=url, organisation=owner, every_hours=every_hours)
    db.session.add(source)
    db.session.commit()
    return source


def list_sources(actor: Actor) -> list[HarvestSource]:
    _require_site_admin(actor)
    return list(db.session.scalars(select(HarvestSource).order_by(HarvestSource.name)))


def due_sources(actor: Actor, now: datetime) -> list[HarvestSource]:
    """Sources run every so many hours whose last run started that long ago, or never ran."""
    return [
        source
        for source in list_sources(actor)
        if source.every_hours
        and (not source.runs or source.runs[0].started_at + timedelta(hours=source.every_hours) <= now)
    ]


def get_source(actor: Actor, name: str) -> HarvestSource:
    _require_site_admin(actor)
    source = db.session.scalar(select(HarvestSource).where(HarvestSource.name == name))
    if source is None:
        raise NotFoundError(f"There is no harvest source called {name!r}.")
    return source


def file_source(actor: Actor, path: str, organisation: str) -> HarvestSource:
    """The source a dump file is imported as: one per organisation and file name, so that a
    newer dump of the same catalogue updates, and withdraws, what the older one brought in."""
    _require_site_admin(actor)
    owner = db.session.scalar(select(Organisation).where(Organisation.slug == organisation))
    if owner is None:
        raise ValidationError({"org": [f"There is no organisation called {organisation!r}."]})
    stem = re.sub(r"[^a-z0-9]+", "-", path.rsplit("/", 1)[-1].lower()).strip("-")[:60] or "dump"
    name = f"file-{owner.slug}-{stem}"[:100]
    source = db.session.scalar(select(HarvestSource).where(HarvestSource.name == name))
    if source is None:
        source = HarvestSource(name=name, type="ckan-dump", url=f"file:{path}", organisation=owner)
        db.session.add(source)
        db.session.commit()
    return source


def start_run(source: HarvestSource) -> HarvestRun:
    run = HarvestRun(source=source, status="running", counts={})
    db.session.add(run)
    db.session.commit()
    return run


def fail_run(run: HarvestRun, reason: str) -> HarvestRun:
    """The source could not be read: the run says why, and nothing was changed."""
    run.status = "failed"
    run.error = reason
    run.finished_at = utcnow()
    db.session.commit()
    return run


def apply_records(
    run: HarvestRun,
    records: list[Record],
    to_entry: Callable[[Record], dict[str, Any]],
    *,
    overwrite: bool = False,
    progress: Callable[[Iterable[Record]], Iterable[Record]] = lambda records: records,
) -> HarvestRun:
    """Bring each record in, then withdraw the entries whose records have gone; count each
    outcome on the run and keep a problem for each record failed or left alone."""
    source = run.source
    actor = Actor.system(f"harvest:{source.name}")
    links = {
        link.source_identifier: link
        for link in db.session.scalars(select(HarvestedEntry).where(HarvestedEntry.source_id == source.id))
    }
    counts: Counter[str] = Counter()
    run.records = len(records)
    for record in progress(records):
        outcome = _bring_in(run, actor, record, links.get(record.identifier), to_entry, overwrite)
        counts[outcome] += 1
    present = {record.identifier for record in records}
    for identifier, link in links.items():
        if identifier not in present and _withdraw_gone(actor, source, link):
            counts["withdrawn"] += 1
    run.counts = {outcome: counts[outcome] for outcome in sorted(counts)}
    run.status = "finished"
    run.finished_at = utcnow()
    db.session.commit()
    return run


def _bring_in(
    run: HarvestRun,
    actor: Actor,
    record: Record,
    link: HarvestedEntry | None,
    to_entry: Callable[[Record], dict[str, Any]],
    overwrite: bool,
) -> str:
    try:
        entry = to_entry(record)
    except ValidationError as error:
        return _failed(run, record, error)
    except (TypeError, ValueError, AttributeError, KeyError) as error:
        # A record shaped as no catalogue should shape one (a list where text belongs…).
        return _problem(run, record, "failed", {"record": [f"Could not be read: {error}"]})
    outcome = _write(run, actor, record, link, entry, overwrite)
    if record.notes and outcome != "failed":
        # It came in (or stayed) with values left out or filled in: say so, without failing it.
        _problem(run, record, "noted", record.notes)
    return outcome


def _write(
    run: HarvestRun,
    actor: Actor,
    record: Record,
    link: HarvestedEntry | None,
    entry: dict[str, Any],
    overwrite: bool,
) -> str:
    entry["publisher"] = run.source.organisation.slug
    entry.setdefault("status", "published")
    digest = hashlib.sha256(json.dumps(entry, sort_keys=True, default=str).encode()).hexdigest()
    dataset = link.dataset if link else None
    if dataset is not None and dataset.is_deleted:
        return _problem(run, record, "conflict", {"record": [DELETED_HERE]})
    if dataset is not None:
        if link.content_hash == digest and dataset.status != "withdrawn":
            return "unchanged"
        if _edited_here(link, actor) and not overwrite:
            return _problem(run, record, "conflict", {"record": [EDITED_HERE]})
        entry.pop("slug", None)  # the entry keeps its address here
        try:
            update_dataset(actor, str(dataset.id), entry)
        except MarketplaceError as error:
            db.session.rollback()
            return _failed(run, record, error)
        outcome = "updated"
    else:
        try:
            dataset = _create(actor, entry)
        except MarketplaceError as error:
            db.session.rollback()
            return _failed(run, record, error)
        if link is None:
            # Given its entry as it is made: reading dataset.id later would flush it without one.
            link = HarvestedEntry(
                source=run.source, source_identifier=record.identifier, dataset_id=dataset.id
            )
            db.session.add(link)
        outcome = "created"
    link.dataset_id = dataset.id
    link.content_hash = digest
    link.source_modified = record.modified
    link.revision_id = _last_revision(dataset)
    link.harvested_at = utcnow()
    db.session.commit()
    return outcome


def _create(actor: Actor, entry: dict[str, Any]) -> Dataset:
    """A new entry, at the source's own address if it is free here, else at one from its title."""
    try:
        return create_dataset(actor, entry)
    except ConflictError as error:
        if error.code != "slug_taken":  # its identifier taken, say: fails with that reason
            raise
        db.session.rollback()
        return create_dataset(actor, {**entry, "slug": None})


def _withdraw_gone(actor: Actor, source: HarvestSource, link: HarvestedEntry) -> bool:
    dataset = link.dataset
    if dataset is None or dataset.is_deleted or dataset.status != "published":
        return False
    if source.type == "ckan-dump":  # a file's path is the server's business, not the page's
        reason = "No longer in the CKAN export file it was imported from."
    else:
        reason = f"No longer in the catalogue it was harvested from ({source.url})."
    withdraw_dataset(actor, str(dataset.id), reason=reason)
    link.revision_id = _last_revision(dataset)
    db.session.commit()
    return True


def _edited_here(link: HarvestedEntry, actor: Actor) -> bool:
    """Whether anyone but this source's harvester has changed the entry since it last wrote it."""
    later = select(Revision.id).where(
        Revision.dataset_id == link.dataset_id,
        Revision.id > (link.revision_id or 0),
        Revision.actor_label != actor.label,
    )
    return db.session.scalar(later.limit(1)) is not None


def _last_revision(dataset: Dataset) -> int | None:
    return db.session.scalar(select(func.max(Revision.id)).where(Revision.dataset_id == dataset.id))


def _failed(run: HarvestRun, record: Record, error: MarketplaceError) -> str:
    """Refused by our validation: each field's errors, and what the reader could not place."""
    errors = error.errors or {"record": [error.detail]}
    return _problem(run, record, "failed", {**record.notes, **errors})


def _problem(run: HarvestRun, record: Record, outcome: str, errors: dict[str, Any]) -> str:
    db.session.add(
        HarvestProblem(
            run=run,
            source_identifier=record.identifier[:255],
            outcome=outcome,
            title=(record.title or "")[:500] or None,
            errors=errors,
        )
    )
    db.session.commit()
    return outcome


def harvested_from(dataset: Dataset) -> HarvestedEntry | None:
    """Where an entry was harvested from, if it was."""
    return db.session.scalar(select(HarvestedEntry).where(HarvestedEntry.dataset_id == dataset.id))


def get_run(actor: Actor, name: str, run_id: int) -> HarvestRun:
    source = get_source(actor, name)
    run = db.session.get(HarvestRun, run_id)
    if run is None or run.source_id != source.id:
        raise NotFoundError(f"Source {name!r} has no run {run_id}.")
    return run
