"""The Data Marketplace Metadata Management API's operations (/dm/v1), over our services:
DCAT-UK records in, entries through services.datasets, DCAT-UK records out (marketplace.dcat_uk
maps the fields). The scope and publisher rules of that API live here, not in its views.

The API is scoped to the caller's organisation (the specification: "your organisation's
datasets"): a record of another organisation answers 404 like one that does not exist, so the
API never tells a department's system about another department's drafts. A dataset asked for
as a data service (or the other way) is not found either.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from marketplace.dcat_uk import entry_from_record, record_errors, record_from_entry, record_id
from marketplace.dcat_uk.terms import DATA_SERVICE_FIELDS, DATASET_FIELDS, FIELD_NAMES, TYPES
from marketplace.errors import (
    AuthenticationError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from marketplace.extensions import db
from marketplace.models import Dataset, Organisation
from marketplace.queries import dm_records
from marketplace.rules.actors import CLIENT_SCOPES, Actor
from marketplace.services import datasets
from marketplace.services.merge_patch import merge_patch

KINDS = {"dataset": "Dataset", "data_service": "Data service"}
FIELDS = {"dataset": DATASET_FIELDS, "data_service": DATA_SERVICE_FIELDS}
# Our top-level field for each top-level DCAT-UK field: what a Merge Patch's null clears.
_OURS = {theirs.split(".")[0]: ours.split(".")[0] for ours, theirs in FIELD_NAMES.items()}
_OURS.update({"serviceType": "service_kind"})


def require_scope(actor: Actor, scope: str) -> None:
    """401 without a bearer token; 403, naming the scope, without `scope`."""
    if actor.via not in {"client", "token"}:
        raise AuthenticationError("Send a bearer token: Authorization: Bearer <token>.")
    granted = actor.may_delete if scope == "delete" else CLIENT_SCOPES[scope] in actor.scopes
    if not granted:
        raise PermissionDeniedError(f"The token was not granted the '{scope}' scope.")


def list_records(actor: Actor, term: str | None) -> list[dict[str, Any]]:
    require_scope(actor, "discover")
    found = dm_records.organisation_records(actor.publishing_organisation_ids(), term)
    return [record_from_entry(dataset) for dataset in found]


def get_record(actor: Actor, kind: str, reference: str) -> dict[str, Any]:
    require_scope(actor, "discover")
    return record_from_entry(_own_record(actor, kind, reference))


def create_record(actor: Actor, kind: str, record: Any) -> Dataset:
    """Create the entry a record describes; its `identifier` (else a new UUID) is the entry's id."""
    require_scope(actor, "publish")
    record = _record_object(record)
    _check_fields(kind, record)
    new_id = record_id(record) or uuid.uuid4()
    record = {"type": TYPES[kind], **record}
    record.setdefault("publisher", _default_publisher(actor))
    entry = entry_from_record(record)
    _check_type(kind, entry)
    _check_publisher(actor, record, "create")
    if dm_records.record_exists(new_id):
        noun = KINDS[kind].lower()
        raise ConflictError(
            f"The {noun} cannot be created because a {noun} with identifier {new_id} already exists.",
            code="DM00014",
        )
    try:
        return datasets.create_dataset(actor, entry, dataset_id=new_id)
    except ValidationError as error:
        raise ValidationError(record_errors(error.errors)) from error


def patch_record(actor: Actor, kind: str, reference: str, patch: Any) -> dict[str, Any]:
    """Apply a JSON Merge Patch (RFC 7396) to the record; the whole result must be valid, or
    nothing changes. Only the fields the patch names are written, so what the record shortens
    on the way out (a long description) is never written back shortened."""
    require_scope(actor, "publish")
    dataset = _own_record(actor, kind, reference)
    patch = _record_object(patch)
    _check_fields(kind, patch)
    merged = merge_patch(record_from_entry(dataset), patch)
    if merged.get("identifier") != str(dataset.id):
        raise ValidationError({"identifier": ["The catalogue's identifier cannot be changed."]})
    entry_from_record(merged)  # the whole record as patched must map
    if "publisher" in patch:
        _check_publisher(actor, merged, "change")
    changed = entry_from_record({name: merged[name] for name in patch if name in merged})
    _check_type(kind, {"type": dataset.type, **changed})
    for name in patch:
        if name not in merged and name in _OURS:
            changed[_OURS[name]] = None
    try:
        updated = datasets.patch_dataset(actor, str(dataset.id), changed)
    except ValidationError as error:
        raise ValidationError(record_errors(error.errors)) from error
    return record_from_entry(updated)


def delete_record(actor: Actor, kind: str, reference: str) -> None:
    require_scope(actor, "delete")
    dataset = _own_record(actor, kind, reference)
    datasets.delete_dataset(actor, str(dataset.id))


def _own_record(actor: Actor, kind: str, reference: str) -> Dataset:
    try:
        wanted = uuid.UUID(reference)
    except ValueError:
        wanted = None
    dataset = dm_records.organisation_record(actor.publishing_organisation_ids(), wanted) if wanted else None
    if dataset is None or dataset.type != kind:
        shown = reference if len(reference) <= 40 else reference[:37] + "..."
        raise NotFoundError(f"{KINDS[kind]} with identifier {shown} does not exist.", code="DM00010")
    return dataset


def _record_object(record: Any) -> dict[str, Any]:
    if not isinstance(record, dict):
        raise ValidationError({"_schema": ["Send a JSON object describing the record."]})
    return record


def _check_fields(kind: str, record: dict[str, Any]) -> None:
    """Refuse fields that are not the record type's (the schemas do not, the API does)."""
    unknown = sorted(set(record) - set(FIELDS[kind]))
    if unknown:
        noun = KINDS[kind].lower()
        raise ValidationError({name: [f"'{name}' is not a field of a {noun} record."] for name in unknown})


def _check_type(kind: str, entry: dict[str, Any]) -> None:
    if entry.get("type") not in (None, kind):
        raise ValidationError({"type": [f"This operation takes records of type '{TYPES[kind]}'."]})


def _default_publisher(actor: Actor) -> str | None:
    ids = actor.publishing_organisation_ids()
    if len(ids) != 1:
        return None
    return db.session.scalar(select(Organisation.slug).where(Organisation.id.in_(ids)))


def _check_publisher(actor: Actor, record: dict[str, Any], verb: str) -> None:
    slug = record.get("publisher")
    ids = actor.publishing_organisation_ids()
    organisation = db.session.scalar(select(Organisation).where(Organisation.slug == slug)) if slug else None
    if organisation is None or organisation.id not in ids:
        raise ValidationError({"publisher": [f"You cannot {verb} datasets for the specified 'publisher'."]})
