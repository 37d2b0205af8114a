"""The operator's lossless export of the catalogue as JSON lines (``export jsonl FILE``), and which
entries its DCAT-UK export holds (``export dcat-uk FILE``: cli/importing.py maps each with
marketplace.dcat_uk).

The file (schemas/catalogue_file.py) holds every organisation and every entry, deleted ones too
(they answer 410 Gone, and their ids and slugs stay taken), with everything needed to restore
them exactly: `import jsonl` (services/restore.py) reads it back. The same catalogue always gives
the same bytes: lines in a stable order, keys sorted, no time of export.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, TextIO

from sqlalchemy import func, select

from marketplace.errors import PermissionDeniedError
from marketplace.extensions import db
from marketplace.models import Dataset, Organisation, Revision
from marketplace.rules.actors import Actor
from marketplace.schemas.catalogue_file import ENTRY, FORMAT, ORGANISATION, VERSION
from marketplace.schemas.dataset_out import editable_view


def timestamp(value: datetime | None) -> str | None:
    """A stored time as the file writes it: UTC, always to the microsecond (so it reads back equal)."""
    return value.astimezone(UTC).isoformat(timespec="microseconds") if value is not None else None


def dumps(line: dict[str, Any]) -> str:
    return json.dumps(line, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def export_lines(actor: Actor) -> Iterator[dict[str, Any]]:
    """The header, each organisation (by slug) and each entry (by creation, then id), as mappings.

    Only the operator (a site administrator) may export: the file holds drafts and history."""
    if not actor.is_site_admin:
        raise PermissionDeniedError("Only site administrators can export the whole catalogue.")
    if db.engine.dialect.name == "postgresql" and not db.session().in_transaction():
        # One snapshot for the whole file, so that it agrees with its header's counts while
        # others write (`import jsonl` refuses a file that does not).
        db.session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    yield {
        "format": FORMAT,
        "version": VERSION,
        "organisations": db.session.scalar(select(func.count()).select_from(Organisation)),
        "entries": db.session.scalar(select(func.count()).select_from(Dataset)),
    }
    for organisation in db.session.scalars(select(Organisation).order_by(Organisation.slug)):
        yield organisation_line(organisation)
    query = select(Dataset).order_by(Dataset.created_at, Dataset.id).execution_options(yield_per=500)
    for datasets in db.session.scalars(query).partitions():
        history = _revisions([d.id for d in datasets])
        for dataset in datasets:
            yield entry_line(dataset, history.get(dataset.id, []))


def _revisions(dataset_ids: list[Any]) -> dict[Any, list[Revision]]:
    """The history of each of these entries, oldest first (one query for a batch of entries)."""
    history: dict[Any, list[Revision]] = {}
    query = select(Revision).where(Revision.dataset_id.in_(dataset_ids)).order_by(Revision.id)
    for revision in db.session.scalars(query):
        history.setdefault(revision.dataset_id, []).append(revision)
    return history


def organisation_line(organisation: Organisation) -> dict[str, Any]:
    return {
        "kind": ORGANISATION,
        "id": str(organisation.id),
        "slug": organisation.slug,
        "title": organisation.title,
        "abbreviation": organisation.abbreviation,
        "organisation_type": organisation.organisation_type,
        "email_domains": organisation.email_domains,
        "access_request_mailbox": organisation.access_request_mailbox,
        "created_at": timestamp(organisation.created_at),
        "updated_at": timestamp(organisation.updated_at),
    }


def entry_line(dataset: Dataset, revisions: list[Revision]) -> dict[str, Any]:
    """The entry as a client sends it, with its distributions' ids and ratings' times inside,
    and the restore-only fields beside (`revisions` is its history, oldest first)."""
    line = editable_view(dataset)
    line["distributions"] = [
        {"id": str(row.id), **data}
        for row, data in zip(dataset.distributions, line["distributions"], strict=True)
    ]
    declared = {r.dimension: r for r in dataset.quality_ratings}
    line["quality"] = {
        dimension: {**rating, "updated_at": timestamp(declared[dimension].updated_at)}
        for dimension, rating in line["quality"].items()
    }
    line.update(
        {
            "kind": ENTRY,
            "id": str(dataset.id),
            "created_at": timestamp(dataset.created_at),
            "updated_at": timestamp(dataset.updated_at),
            "published_at": timestamp(dataset.published_at),
            "withdrawn_at": timestamp(dataset.withdrawn_at),
            "deleted_at": timestamp(dataset.deleted_at),
            "public_once": bool(dataset.public_once),
            "lock_version": dataset.lock_version,
            "old_slugs": [
                {"slug": old.slug, "retired_at": timestamp(old.retired_at)}
                for old in sorted(dataset.old_slugs, key=lambda old: (old.retired_at, old.slug))
            ],
            # Who acted is kept as the label history shows; user accounts are not exported.
            "revisions": [
                {
                    "action": revision.action,
                    "actor": revision.actor_label,
                    "changes": revision.changes,
                    "created_at": timestamp(revision.created_at),
                }
                for revision in revisions
            ],
        }
    )
    return line


def entries_to_export(actor: Actor, *, include_drafts: bool = False) -> Iterator[Dataset]:
    """Every entry that is not deleted, published and withdrawn ones (and drafts, with
    `include_drafts`), by creation then id. Only a site administrator may export them all."""
    if not actor.is_site_admin:
        raise PermissionDeniedError("Only site administrators can export the whole catalogue.")
    statuses = ["published", "withdrawn", *(["draft"] if include_drafts else [])]
    query = (
        select(Dataset)
        .where(Dataset.deleted_at.is_(None), Dataset.status.in_(statuses))
        .order_by(Dataset.created_at, Dataset.id)
        .execution_options(yield_per=500)
    )
    for datasets in db.session.scalars(query).partitions():
        yield from datasets


def export_jsonl(actor: Actor, out: TextIO) -> int:
    """Write `export_lines` to `out`, one JSON object a line; returns how many entries."""
    lines = export_lines(actor)
    out.write(dumps(next(lines)) + "\n")
    entries = 0
    for line in lines:
        out.write(dumps(line) + "\n")
        entries += line["kind"] == ENTRY
    return entries
