"""The verbs of the catalogue for entries: create, update, patch, publish, withdraw, delete.

Services take the raw mapping a client sent (a JSON body, a form, a CKAN dict mapped to
ours, a CSV row) and validate it here, because some rules need the stored entry (PATCH
merges into it; the publisher must exist; slugs must be free). Each change is one
transaction holding the change, its revision and its outbox row.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Iterable, Mapping
from typing import Any

from marshmallow import ValidationError as SchemaValidationError
from marshmallow.fields import List
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from marketplace.errors import (
    AuthenticationError,
    ConflictError,
    GoneError,
    MarketplaceError,
    NotFoundError,
    PreconditionFailedError,
    ValidationError,
)
from marketplace.extensions import db
from marketplace.models import Dataset, Organisation
from marketplace.models.types import utcnow
from marketplace.queries.datasets import find_dataset
from marketplace.rules.actors import Actor
from marketplace.rules.freshness import freshness_state
from marketplace.rules.permissions import can_view, require_publisher
from marketplace.schemas.dataset import DatasetInputSchema
from marketplace.schemas.dataset_out import editable_view
from marketplace.search.worker import index_committed_changes
from marketplace.services.changes import diff, record_change
from marketplace.services.dataset_fields import apply_entry
from marketplace.services.entry_uniqueness import require_free_identifier, require_free_slug
from marketplace.services.merge_patch import merge_patch
from marketplace.services.served_datasets import check_access_services, check_served_datasets
from marketplace.services.slugs import change_slug, slug_for_title

_ENTRY_SCHEMA = DatasetInputSchema()
# An entry's list fields: in a plain PATCH, null clears one, as it clears any other field.
_LIST_FIELDS = frozenset(name for name, field in _ENTRY_SCHEMA.fields.items() if isinstance(field, List))
# Lifecycle moves an entry may make (staying put is always allowed).
TRANSITIONS = {("draft", "published"), ("published", "withdrawn"), ("withdrawn", "published")}


def resolve_dataset(actor: Actor, reference: str) -> tuple[Dataset, bool]:
    """The entry named by id or slug if `actor` may read it, and whether `reference` was an old slug.

    Raises NotFoundError when there is no such entry or the actor may not see it, and
    GoneError when it was deleted.
    """
    dataset, moved = find_dataset(reference)
    if dataset is None or not can_view(actor, dataset):
        raise NotFoundError(f"There is no entry called {reference!r}.")
    if dataset.is_deleted:
        raise GoneError(f"The entry {reference!r} was deleted.")
    return dataset, moved


def get_dataset(actor: Actor, reference: str) -> Dataset:
    return resolve_dataset(actor, reference)[0]


def create_dataset(actor: Actor, raw: Mapping[str, Any], *, dataset_id: uuid.UUID | None = None) -> Dataset:
    """Create an entry: a draft unless the body says ``"status": "published"``."""
    dataset = _add_dataset(actor, raw, dataset_id, _Batch())
    commit_change()
    return dataset


def create_datasets(
    actor: Actor,
    raws: Iterable[tuple[uuid.UUID | None, Mapping[str, Any]]],
    *,
    commit_every: int | None = None,
    on_created: Callable[[Dataset], None] | None = None,
    index: bool = True,
) -> int:
    """Create many entries through the same checks as `create_dataset`.

    With `commit_every` unset, all are created or none (a CSV import); otherwise a commit
    follows each batch (synthetic load). A failing entry raises; earlier batches stay committed.
    Rows are written a batch at a time, which is what makes 100,000 entries take minutes.
    """
    created = 0
    batch = _Batch()
    try:
        with db.session.no_autoflush:
            for dataset_id, raw in raws:
                dataset = _add_dataset(actor, raw, dataset_id, batch)
                created += 1
                if on_created:
                    on_created(dataset)
                if commit_every and created % commit_every == 0:
                    # Committed objects are expired and, once unreferenced, leave the session's
                    # weak identity map, so memory stays flat over a long run.
                    commit_change(index=False)
    except MarketplaceError:
        db.session.rollback()
        raise
    commit_change(index=index)
    return created


class _Batch:
    """What entries created together share: organisations looked up once, slugs and identifiers
    not yet written."""

    def __init__(self) -> None:
        self.organisations: dict[str, Organisation] = {}
        self.slugs: set[str] = set()
        # The ids of the data services in this batch (a distribution may name one as its access service).
        self.services: set[str] = set()
        # (organisation id, identifier) -> the slug of the entry in this batch that has it.
        self.identifiers: dict[tuple[uuid.UUID, str, str], str] = {}

    def organisation(self, slug: str) -> Organisation:
        if slug not in self.organisations:
            self.organisations[slug] = _publisher(slug)
        return self.organisations[slug]


def _add_dataset(
    actor: Actor, raw: Mapping[str, Any], dataset_id: uuid.UUID | None, batch: _Batch
) -> Dataset:
    body = _as_object(raw)
    body.setdefault("type", "dataset")
    body.setdefault("status", "draft")
    data = load_entry(body)
    if data["status"] == "withdrawn":
        raise ValidationError({"status": ["A new entry can be a draft or published, not withdrawn."]})
    organisation = batch.organisation(data["publisher"])
    require_publisher(actor, organisation)
    check_served_datasets(actor, data.get("serves_datasets") or [], pending=batch.slugs)
    check_access_services(actor, data.get("distributions") or [], pending=batch.services)
    if data.get("slug"):
        require_free_slug(data["slug"], reserved=batch.slugs)
    require_free_identifier(data.get("identifier"), organisation, data["type"], reserved=batch.identifiers)
    dataset = Dataset(
        id=dataset_id or uuid.uuid4(), type=data["type"], status="draft", organisation=organisation
    )
    apply_entry(dataset, data)
    dataset.slug = data.get("slug") or slug_for_title(data["title"], reserved=batch.slugs)
    batch.slugs.add(dataset.slug)
    if dataset.type == "data_service":
        batch.services.add(str(dataset.id))
    if dataset.identifier:
        batch.identifiers[(organisation.id, dataset.type, dataset.identifier)] = dataset.slug
    _move(dataset, data["status"])
    _note_audience(dataset)
    db.session.add(dataset)
    record_change(dataset, actor, "create", diff({}, editable_view(dataset)))
    return dataset


def update_dataset(
    actor: Actor, reference: str, raw: Mapping[str, Any], *, if_match: Collection[str] | None = None
) -> Dataset:
    """Replace an entry with `raw` (PUT). Fields left out are cleared, except `type` and
    `status`, which keep their values, and `quality`, which has its own endpoint."""
    dataset = writable_dataset(actor, reference, if_match)
    body = _as_object(raw)
    body.setdefault("type", dataset.type)
    body.setdefault("status", dataset.status)
    # Kept like the status they belong to (cleared when the entry is published again).
    body.setdefault("withdrawal_reason", dataset.withdrawal_reason)
    body.setdefault("replaced_by", dataset.replaced_by)
    return _change(actor, dataset, load_entry(body), "update")


def patch_dataset(
    actor: Actor,
    reference: str,
    raw: Mapping[str, Any],
    *,
    if_match: Collection[str] | None = None,
    merge: bool = False,
) -> Dataset:
    """Change only the fields in `raw` (PATCH); ``{"status": "published"}`` publishes.

    With `merge`, `raw` is a JSON Merge Patch (RFC 7396) of the entry as GET shows it: null
    removes a member, an object merges into the one it names (``{"temporal_coverage": {"end":
    …}}`` keeps the start), an array replaces. Without it, each field in `raw` replaces the
    stored one whole, and null clears it (``{"keywords": null}`` leaves no keywords). Either
    way the result is validated as a whole entry: a change that would leave it invalid (a
    required field removed) is refused, naming the field, and nothing changes.
    """
    dataset = writable_dataset(actor, reference, if_match)
    body = _as_object(raw)
    if merge:
        merged = _merge_into_entry(editable_view(dataset), body)
    else:
        cleared = {name: [] for name, value in body.items() if value is None and name in _LIST_FIELDS}
        merged = {**editable_view(dataset), **body, **cleared}
    action = "patch"
    if set(body) - {"withdrawal_reason", "replaced_by"} == {"status"} and isinstance(body["status"], str):
        action = {"published": "publish", "withdrawn": "withdraw"}.get(body["status"], "patch")
    return _change(actor, dataset, load_entry(merged), action)


def _merge_into_entry(entry: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    quality = patch.get("quality")
    if isinstance(quality, dict) and "declared" in quality:
        # Written against GET's `quality` ({"declared": {…}, "metadata_score": …}) rather than
        # the ratings alone, as PUT takes them: merge it into the shape it was written for.
        entry = {**entry, "quality": {"declared": entry["quality"]}}
    merged = merge_patch(entry, patch)
    for name in ("type", "status"):
        if name not in merged:
            raise ValidationError({name: ["Every entry has one: it can be changed but not removed."]})
    # Removing `quality` removes the declared ratings (absent, _change would keep them).
    merged.setdefault("quality", {})
    return merged


def publish_dataset(actor: Actor, reference: str, *, if_match: Collection[str] | None = None) -> Dataset:
    return patch_dataset(actor, reference, {"status": "published"}, if_match=if_match)


def withdraw_dataset(
    actor: Actor,
    reference: str,
    *,
    reason: str | None = None,
    replaced_by: str | None = None,
    if_match: Collection[str] | None = None,
) -> Dataset:
    """Withdraw a published entry, saying why and (optionally) which entry replaces it."""
    change = {"status": "withdrawn", "withdrawal_reason": reason, "replaced_by": replaced_by}
    return patch_dataset(actor, reference, change, if_match=if_match)


def delete_dataset(actor: Actor, reference: str, *, if_match: Collection[str] | None = None) -> None:
    """Delete an entry softly: it answers 410 Gone from then on and leaves search."""
    dataset = writable_dataset(actor, reference, if_match, deleting=True)
    dataset.deleted_at = utcnow()
    dataset.updated_at = dataset.deleted_at
    record_change(dataset, actor, "delete", {"deleted": {"before": False, "after": True}})
    commit_change()


def load_entry(body: Mapping[str, Any]) -> dict[str, Any]:
    """Validate an entry with the one schema every entry point uses."""
    try:
        return _ENTRY_SCHEMA.load(body)
    except SchemaValidationError as error:
        raise ValidationError(error.messages) from error


def _as_object(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, Mapping):
        raise ValidationError({"_schema": ["Send a JSON object describing the entry."]})
    return dict(raw)


def _publisher(slug: str) -> Organisation:
    organisation = db.session.scalar(select(Organisation).where(Organisation.slug == slug))
    if organisation is None:
        raise ValidationError({"publisher": [f"There is no organisation with the slug {slug!r}."]})
    return organisation


def writable_dataset(
    actor: Actor, reference: str, if_match: Collection[str] | None, *, deleting: bool = False
) -> Dataset:
    if not actor.is_authenticated:
        # Before the lookup: an anonymous writer learns to send a token, not that a draft is missing.
        raise AuthenticationError("Send an API token: Authorization: Bearer <token>.")
    dataset = get_dataset(actor, reference)
    require_publisher(actor, dataset.organisation, deleting=deleting)
    check_etag(dataset, if_match)
    return dataset


def entry_etag(dataset: Dataset) -> str:
    """The entity tag an entry is served with. The body's freshness changes with the calendar,
    not only with edits, so the tag says which; a write is checked against the part before
    the dot (api/http.py: if_match)."""
    state = freshness_state(dataset.fresh_until, dataset.overdue_after, utcnow().date())
    return f"{dataset.etag}.{state}"


def check_etag(dataset: Dataset, if_match: Collection[str] | None) -> None:
    if if_match is not None and "*" not in if_match and dataset.etag not in if_match:
        raise PreconditionFailedError(
            "The entry has changed since you read it. Fetch it again, re-apply your change and retry.",
            current_etag=entry_etag(dataset),
        )


def _move(dataset: Dataset, status: str) -> None:
    """Set the lifecycle status and its timestamps."""
    if status == dataset.status and dataset.published_at is not None:
        return
    now = utcnow()
    dataset.status = status
    if status == "published":
        dataset.published_at = dataset.published_at or now
        dataset.withdrawn_at = None
    elif status == "withdrawn":
        dataset.withdrawn_at = now


def _change(actor: Actor, dataset: Dataset, data: dict[str, Any], action: str) -> Dataset:
    if data["type"] != dataset.type:
        raise ValidationError(
            {"type": ["The type of an entry cannot be changed: create a new entry instead."]}
        )
    old_status, new_status = dataset.status, data["status"]
    if old_status != new_status and (old_status, new_status) not in TRANSITIONS:
        raise ValidationError({"status": [f"An entry cannot move from {old_status} to {new_status}."]})
    organisation = _publisher(data["publisher"])
    if organisation.id != dataset.organisation_id:
        require_publisher(actor, organisation)
    if data.get("identifier") != dataset.identifier or organisation.id != dataset.organisation_id:
        require_free_identifier(data.get("identifier"), organisation, dataset.type, except_id=dataset.id)
    check_served_datasets(actor, data.get("serves_datasets") or [], already=dataset.serves_datasets or [])
    named_before = {id_ for row in dataset.distributions for id_ in row.access_services or []}
    check_access_services(actor, data.get("distributions") or [], already=named_before)
    if new_status != "withdrawn":  # the reason and replacement belong to a withdrawal only
        data = {**data, "withdrawal_reason": None, "replaced_by": None}
    _check_replacement(actor, dataset, data.get("replaced_by"))
    new_slug = data.get("slug")
    if new_slug and new_slug != dataset.slug:
        require_free_slug(new_slug, except_id=dataset.id)
    elif dataset.published_at is None and data["title"] != dataset.title:
        # Until first published, the slug follows the title; after that it is stable.
        new_slug = slug_for_title(data["title"], except_id=dataset.id)

    before = editable_view(dataset)
    dataset.organisation = organisation
    apply_entry(dataset, data, keep_quality="quality" not in data)
    if new_slug:
        change_slug(dataset, new_slug)
    if old_status != new_status:
        _move(dataset, new_status)
    changes = diff(before, editable_view(dataset))
    if not changes:
        db.session.rollback()  # nothing changed: no revision, and the ETag stays the same
        return dataset
    dataset.updated_at = utcnow()
    _note_audience(dataset)
    record_change(dataset, actor, action, changes)
    commit_change()
    return dataset


def _note_audience(dataset: Dataset) -> None:
    """Remember that everyone could list the entry (the change feed's tombstones depend on it)."""
    if dataset.status == "published" and dataset.access_rights == "OPEN":
        dataset.public_once = True


def _check_replacement(actor: Actor, dataset: Dataset, slug: str | None) -> None:
    """The entry said to replace a withdrawn one must be another entry the caller may see."""
    if not slug or slug == dataset.replaced_by:
        return
    if slug == dataset.slug:
        raise ValidationError({"replaced_by": ["An entry cannot replace itself: name another entry."]})
    check_served_datasets(actor, [slug], field="replaced_by")


def commit_change(*, index: bool = True) -> None:
    """Commit the change (with its revision and outbox row), then bring the search index up to date."""
    try:
        db.session.commit()
    except StaleDataError as error:
        db.session.rollback()
        raise PreconditionFailedError(
            "Someone else changed the entry at the same moment. Fetch it again and retry."
        ) from error
    except IntegrityError as error:
        db.session.rollback()
        if "slug" not in str(error.orig):
            raise
        raise ConflictError(
            "The change conflicts with another entry (most likely its slug was taken a moment ago). Retry.",
            {"slug": ["Already used by another entry."]},
            code="slug_taken",
        ) from error
    if index:
        index_committed_changes()
