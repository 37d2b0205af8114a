"""Declared data quality ratings (Government Data Quality Framework)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from marshmallow import ValidationError as SchemaValidationError

from marketplace.errors import ValidationError
from marketplace.extensions import db
from marketplace.models import Dataset
from marketplace.models.types import utcnow
from marketplace.rules.actors import Actor
from marketplace.schemas.dataset_out import editable_view
from marketplace.schemas.quality import load_declared_quality
from marketplace.services.changes import diff, record_change
from marketplace.services.dataset_fields import apply_quality
from marketplace.services.datasets import commit_change, writable_dataset


def rate_quality(
    actor: Actor, reference: str, raw: Any, *, if_match: Collection[str] | None = None
) -> Dataset:
    """Replace the entry's declared ratings with `raw` (``{dimension: {rating, assessed_on, …}}``);
    a dimension left out is no longer rated."""
    dataset = writable_dataset(actor, reference, if_match)
    try:
        ratings = load_declared_quality(raw)
    except SchemaValidationError as error:
        raise ValidationError(error.messages) from error
    before = editable_view(dataset)
    apply_quality(dataset, ratings)
    changes = diff(before, editable_view(dataset))
    if not changes:
        db.session.rollback()
        return dataset
    dataset.updated_at = utcnow()
    record_change(dataset, actor, "rate_quality", changes)
    commit_change()
    return dataset
