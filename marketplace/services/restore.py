"""Restoring a catalogue export (``import jsonl FILE``): every line checked first, then all written
in one transaction, or nothing.

Each entry's editable fields go through `load_entry`, the one schema every way in uses, and are
stored by `apply_entry`, which also recomputes what is computed on save (description HTML,
metadata quality, freshness dates); the restore-only parts (ids, timestamps, old slugs, lock
version, history) are checked by schemas/catalogue_file.py and set as they were. Organisations
missing here are created; one with the same slug is used as it is. An entry whose id, slug or
distribution ids are already taken here is refused: a restore never overwrites.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from marshmallow import ValidationError as SchemaValidationError
from sqlalchemy import bindparam, select, update

from marketplace.errors import PermissionDeniedError, ValidationError
from marketplace.extensions import db
from marketplace.models import (
    Dataset,
    DatasetSlug,
    Distribution,
    Organisation,
    OrganisationEmailDomain,
    OutboxEntry,
    Revision,
)
from marketplace.rules.actors import Actor
from marketplace.rules.text import unstorable_text
from marketplace.schemas.catalogue_file import (
    ENTRY,
    ORGANISATION,
    EntryRestoreSchema,
    HeaderSchema,
    OrganisationLineSchema,
    split_entry_line,
)
from marketplace.search.worker import index_committed_changes
from marketplace.services.dataset_fields import apply_entry
from marketplace.services.datasets import load_entry

# The file's names for the restore-only parts that the schema checks under names of its own.
FIELD_NAMES = {"distribution_ids": "distributions", "quality_updated_at": "quality"}
CHUNK = 500
# Built once: building a schema costs more than loading a line with it.
_HEADER = HeaderSchema()
_ORGANISATION = OrganisationLineSchema()
_ENTRY_RESTORE = EntryRestoreSchema()


@dataclass(frozen=True)
class LineError:
    line: int
    field: str  # "" when the message is about the whole line
    message: str


@dataclass
class RestorePlan:
    """A checked file: what would be written, or every problem by line and field."""

    organisations: list[dict[str, Any]] = field(default_factory=list)
    entries: list[tuple[int, dict[str, Any], dict[str, Any]]] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)
    reused_organisations: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def lines(self) -> list[str]:
        return [
            f"Line {e.line}, {e.field}: {e.message}" if e.field else f"Line {e.line}: {e.message}"
            for e in self.errors
        ]

    @property
    def summary(self) -> str:
        count = len({e.line for e in self.errors})
        return f"{count} {'line has' if count == 1 else 'lines have'} errors"


class RestoreRejectedError(ValidationError):
    """The file cannot be restored; nothing was written. `plan.errors` say where and why."""

    def __init__(self, plan: RestorePlan) -> None:
        self.plan = plan
        errors: dict[str, list[str]] = {}
        for e in plan.errors:
            errors.setdefault(f"line {e.line}" + (f".{e.field}" if e.field else ""), []).append(e.message)
        super().__init__(errors, f"{plan.summary}, so nothing was imported.")


def check_export(actor: Actor, text: str) -> RestorePlan:
    """Check a whole export file against the schemas and against what this catalogue holds."""
    if not actor.is_site_admin:
        raise PermissionDeniedError("Only site administrators can import a catalogue export.")
    plan = RestorePlan()
    numbered = [(n, raw) for n, raw in enumerate(text.split("\n"), start=1) if raw.strip()]
    if not numbered:
        plan.errors.append(LineError(1, "", "The file is empty: it has no header line."))
        return plan
    parsed: list[tuple[int, dict[str, Any]]] = []
    for number, raw in numbered:
        try:
            value = json.loads(raw)
        except json.JSONDecodeError as error:
            plan.errors.append(
                LineError(number, "", f"Not valid JSON ({error.msg} at column {error.colno}).")
            )
            continue
        if not isinstance(value, dict):
            plan.errors.append(LineError(number, "", "Each line must be a JSON object."))
            continue
        # Checked here for the whole line: history and organisations too, not only what
        # load_entry reads (PostgreSQL would refuse them at the commit).
        unstorable = unstorable_text(value)
        if unstorable:
            plan.errors.extend(_line_errors(number, unstorable))
            continue
        parsed.append((number, value))
    if not parsed or parsed[0][0] != numbered[0][0]:
        return plan  # no readable header: the rest cannot be read safely
    header_number, header = parsed[0]
    if _check(plan, header_number, _HEADER, header) is None:
        return plan  # not our file, or a version this code cannot read
    for number, line in parsed[1:]:
        kind = line.get("kind")
        if kind == ORGANISATION:
            _check_organisation(plan, number, line)
        elif kind == ENTRY:
            _check_entry(plan, number, line)
        else:
            plan.errors.append(LineError(number, "kind", f"Must be {ORGANISATION!r} or {ENTRY!r}."))
    counts = {"organisations": len(plan.organisations), "entries": len(plan.entries)}
    for name, found in counts.items():
        if not plan.errors and header[name] != found:
            plan.errors.append(
                LineError(header_number, name, f"The header says {header[name]}; the file has {found}.")
            )
    if not plan.errors:
        _check_against_catalogue(plan)
    plan.errors.sort(key=lambda e: e.line)
    return plan


def _check(plan: RestorePlan, number: int, schema: Any, value: dict[str, Any]) -> dict[str, Any] | None:
    try:
        return schema.load(value)
    except SchemaValidationError as error:
        plan.errors.extend(_line_errors(number, error.messages))
        return None


def _line_errors(number: int, messages: Any, path: str = "") -> list[LineError]:
    """Nested marshmallow messages as one error a message, each named by a dotted path."""
    if isinstance(messages, dict):
        errors = []
        for name, inner in messages.items():
            name = str(name) if path else FIELD_NAMES.get(str(name), str(name))
            inner_path = path if name == "_schema" else f"{path}.{name}" if path else name
            errors.extend(_line_errors(number, inner, inner_path))
        return errors
    if isinstance(messages, list):
        return [error for message in messages for error in _line_errors(number, message, path)]
    return [LineError(number, path, str(messages))]


def _check_organisation(plan: RestorePlan, number: int, line: dict[str, Any]) -> None:
    data = _check(plan, number, _ORGANISATION, line)
    if data is None:
        return
    if any(o["slug"] == data["slug"] for o in plan.organisations):
        plan.errors.append(LineError(number, "slug", f"The organisation {data['slug']!r} is listed twice."))
        return
    plan.organisations.append({**data, "line": number})


def _check_entry(plan: RestorePlan, number: int, line: dict[str, Any]) -> None:
    editable, restore, unknown = split_entry_line(line)
    for name, messages in unknown.items():
        plan.errors.extend(LineError(number, name, m) for m in messages)
    restored = _check(plan, number, _ENTRY_RESTORE, restore)
    try:
        data = load_entry(editable)
    except ValidationError as error:
        plan.errors.extend(_line_errors(number, error.errors or {"": [error.detail]}))
        return
    if unknown or restored is None:
        return
    problems = []
    if len(restored["distribution_ids"]) != len(data.get("distributions") or []):
        problems.append(LineError(number, "distributions", "Each distribution needs its id."))
    if set(restored["quality_updated_at"]) != set(data.get("quality") or {}):
        problems.append(LineError(number, "quality", "Each rating needs its updated_at."))
    if not data.get("slug") or any(old["slug"] == data["slug"] for old in restored["old_slugs"]):
        problems.append(LineError(number, "slug", "Give the entry's slug (not one of its old slugs)."))
    plan.errors.extend(problems)
    if not problems:
        plan.entries.append((number, data, restored))


def _check_against_catalogue(plan: RestorePlan) -> None:
    """Ids and slugs unique in the file and free here; every publisher known; organisations
    creatable (their ids and e-mail domains free)."""
    in_file = {o["slug"] for o in plan.organisations}
    publishers = {data["publisher"] for _, data, _ in plan.entries}
    here = _existing(Organisation.slug, in_file | publishers)
    _check_new_organisations(plan, here)
    ids = _existing(Dataset.id, [r["id"] for _, _, r in plan.entries])
    distribution_ids = _existing(
        Distribution.id, [d for _, _, r in plan.entries for d in r["distribution_ids"]]
    )
    slugs = [slug for _, data, restored in plan.entries for slug, _ in _slugs(data, restored)]
    taken_slugs = _existing(Dataset.slug, slugs) | _existing(DatasetSlug.slug, slugs)
    first_line: dict[tuple[str, Any], int] = {}
    for number, data, restored in plan.entries:
        errors: list[tuple[str, str]] = []
        if data["publisher"] not in in_file | here:
            errors.append(
                ("publisher", f"There is no organisation {data['publisher']!r} here or in the file.")
            )
        claims = [("id", "id", restored["id"], restored["id"] in ids)]
        claims += [
            ("distributions", "distribution id", d, d in distribution_ids)
            for d in restored["distribution_ids"]
        ]
        claims += [(name, "slug", slug, slug in taken_slugs) for slug, name in _slugs(data, restored)]
        for name, what, value, taken in claims:
            earlier = first_line.setdefault((what, value), number)
            if earlier != number:
                errors.append((name, f"Line {earlier} has the same {what}, {value}."))
            elif taken:
                errors.append(
                    (name, f"An entry here already has the {what} {value}: a restore never overwrites.")
                )
        plan.errors.extend(LineError(number, name, message) for name, message in errors)


def _slugs(data: dict[str, Any], restored: dict[str, Any]) -> list[tuple[str, str]]:
    """The entry's slug and old slugs, each with the field that names it."""
    return [(data["slug"], "slug"), *((old["slug"], "old_slugs") for old in restored["old_slugs"])]


def _check_new_organisations(plan: RestorePlan, existing: set[str]) -> None:
    new = [o for o in plan.organisations if o["slug"] not in existing]
    plan.reused_organisations = sorted(o["slug"] for o in plan.organisations if o["slug"] in existing)
    ids = _existing(Organisation.id, [o["id"] for o in new])
    domains = _existing(
        OrganisationEmailDomain.domain,
        [d for o in new for d in o["email_domains"]],
    )
    for organisation in new:
        if organisation["id"] in ids:
            message = f"Another organisation here has the id {organisation['id']}."
            plan.errors.append(LineError(organisation["line"], "id", message))
        for domain in organisation["email_domains"]:
            if domain in domains:
                message = f"{domain} already belongs to another organisation here."
                plan.errors.append(LineError(organisation["line"], "email_domains", message))


def _existing(column: Any, values: Iterable[Any]) -> set[Any]:
    """Which of `values` the database holds in `column`."""
    wanted = list(dict.fromkeys(values))
    found: set[Any] = set()
    for start in range(0, len(wanted), CHUNK):
        found.update(db.session.scalars(select(column).where(column.in_(wanted[start : start + CHUNK]))))
    return found


def restore_export(actor: Actor, text: str, *, dry_run: bool = False) -> RestorePlan:
    """Restore an export file: everything, or nothing (RestoreRejectedError with every problem);
    with `dry_run`, only check it.

    Writes each entry's outbox row (so search catches up, here and in every other process) and its
    history as exported; the import itself adds no revision, so exporting again gives the same file."""
    plan = check_export(actor, text)
    if not plan.ok:
        raise RestoreRejectedError(plan)
    if dry_run:
        return plan
    organisations = {o.slug: o for o in db.session.scalars(select(Organisation))}
    for data in plan.organisations:
        if data["slug"] not in organisations:
            organisations[data["slug"]] = _add_organisation(data)
    lock_versions = []
    with db.session.no_autoflush:
        for _, data, restored in plan.entries:
            _add_entry(data, restored, organisations[data["publisher"]])
            lock_versions.append({"entry_id": restored["id"], "lock": restored["lock_version"]})
    try:
        db.session.flush()
        # The mapper writes 1 on insert whatever the entry holds (it owns the version column).
        table = Dataset.__table__
        for start in range(0, len(lock_versions), CHUNK):
            db.session.execute(
                update(table)
                .where(table.c.id == bindparam("entry_id"))
                .values(lock_version=bindparam("lock")),
                lock_versions[start : start + CHUNK],
            )
        db.session.commit()
    except Exception:
        db.session.rollback()  # e.g. an id or slug taken by another writer since the check
        raise
    index_committed_changes()
    return plan


def _add_organisation(data: dict[str, Any]) -> Organisation:
    organisation = Organisation(
        id=data["id"],
        slug=data["slug"],
        created_at=data["created_at"],
        updated_at=data["updated_at"],
        domains=[OrganisationEmailDomain(domain=d) for d in data["email_domains"]],
    )
    for name in ("title", "abbreviation", "organisation_type", "access_request_mailbox"):
        setattr(organisation, name, data.get(name))
    db.session.add(organisation)
    return organisation


def _add_entry(data: dict[str, Any], restored: dict[str, Any], organisation: Organisation) -> None:
    dataset = Dataset(id=restored["id"], type=data["type"], status=data["status"], organisation=organisation)
    apply_entry(dataset, data)
    dataset.slug = data["slug"]
    for row, distribution_id in zip(dataset.distributions, restored["distribution_ids"], strict=True):
        row.id = distribution_id
    for rating in dataset.quality_ratings:
        rating.updated_at = restored["quality_updated_at"][rating.dimension]
    for name in ("created_at", "updated_at", "published_at", "withdrawn_at", "deleted_at", "public_once"):
        setattr(dataset, name, restored[name])
    dataset.old_slugs = [
        DatasetSlug(slug=o["slug"], retired_at=o["retired_at"]) for o in restored["old_slugs"]
    ]
    db.session.add(dataset)
    for revision in restored["revisions"]:
        db.session.add(
            Revision(
                dataset=dataset,
                action=revision["action"],
                actor_label=revision["actor"],
                changes=revision["changes"],
                created_at=revision["created_at"],
            )
        )
    db.session.add(OutboxEntry(dataset=dataset, change="delete" if dataset.is_deleted else "upsert"))
