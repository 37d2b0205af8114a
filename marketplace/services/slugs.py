"""Slugs: made from the title, unique among current and retired slugs."""

from __future__ import annotations

import uuid

from slugify import slugify

from marketplace.extensions import db
from marketplace.models import Dataset, DatasetSlug
from marketplace.queries.datasets import slug_taken

MAX_SLUG_LENGTH = 100


def slug_for_title(
    title: str, *, except_id: uuid.UUID | None = None, reserved: set[str] | None = None
) -> str:
    """A free slug from `title`; `reserved` holds slugs given out but not yet written."""
    base = slugify(title, max_length=MAX_SLUG_LENGTH, word_boundary=True, save_order=True) or "entry"
    candidate, n = base, 2
    while (reserved and candidate in reserved) or slug_taken(candidate, except_id=except_id):
        suffix = f"-{n}"
        candidate = base[: MAX_SLUG_LENGTH - len(suffix)].rstrip("-") + suffix
        n += 1
    return candidate


def change_slug(dataset: Dataset, new_slug: str) -> None:
    """Give `dataset` a new slug, keeping the old one so links to it redirect."""
    if new_slug == dataset.slug:
        return
    for old in list(dataset.old_slugs):
        if old.slug == new_slug:  # renamed back to an earlier slug
            dataset.old_slugs.remove(old)
            db.session.flush()
    if dataset.slug:
        dataset.old_slugs.append(DatasetSlug(slug=dataset.slug))
    dataset.slug = new_slug
