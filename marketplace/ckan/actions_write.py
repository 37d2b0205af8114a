"""The write actions: a package dict mapped to our entry, then the one way in (services.datasets),
with its validation, permissions and transaction."""

from __future__ import annotations

import uuid
from typing import Any

from marketplace.ckan.package_dict import entry_from_package, package_dict
from marketplace.ckan.params import Params
from marketplace.errors import AuthenticationError, ValidationError
from marketplace.queries.datasets import find_dataset
from marketplace.rules.actors import Actor
from marketplace.services import datasets


def _reference(params: Params) -> str:
    """The entry a write names: its id, or else its name (CKAN takes either)."""
    for key in ("id", "name"):
        value = params.data.get(key)
        if isinstance(value, str) and value:
            return value
    raise ValidationError({"id": ["Missing value"]})


def _require_token(actor: Actor) -> None:
    # Before any lookup: an anonymous writer learns to send a token, not which entries exist.
    if not actor.is_authenticated:
        raise AuthenticationError("Send an API token in the Authorization or X-CKAN-API-Key header.")


def package_create(actor: Actor, params: Params) -> dict[str, Any]:
    """Create an entry; published unless the dict says draft (CKAN creates active datasets)."""
    _require_token(actor)
    entry = entry_from_package(params.data)
    entry.setdefault("status", "published")
    dataset_id = None
    if params.data.get("id") is not None:
        # CKAN lets a loader keep a dataset's id (ckanapi load does), so copies match their source.
        try:
            dataset_id = uuid.UUID(str(params.data["id"]))
        except ValueError as error:
            raise ValidationError({"id": ["Must be a UUID."]}) from error
        if find_dataset(str(dataset_id))[0] is not None:
            raise ValidationError({"id": ["Dataset id already exists"]})
    return package_dict(datasets.create_dataset(actor, entry, dataset_id=dataset_id), actor)


def package_update(actor: Actor, params: Params) -> dict[str, Any]:
    """Replace the entry: what the dict leaves out is cleared, as CKAN's update does."""
    _require_token(actor)
    reference = _reference(params)
    entry = entry_from_package(params.data)
    return package_dict(datasets.update_dataset(actor, reference, entry), actor)


def package_patch(actor: Actor, params: Params) -> dict[str, Any]:
    """Change only the keys sent (the extras as a whole, when sent)."""
    _require_token(actor)
    reference = _reference(params)
    entry = entry_from_package({k: v for k, v in params.data.items() if k != "name" or "id" in params.data})
    return package_dict(datasets.patch_dataset(actor, reference, entry), actor)


def package_delete(actor: Actor, params: Params) -> None:
    _require_token(actor)
    reference = params.required_string("id")
    params.finish()
    datasets.delete_dataset(actor, reference)
