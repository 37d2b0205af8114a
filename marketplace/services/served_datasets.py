"""The datasets a data service serves: named by slug, each an entry of this catalogue.

The entry schema checks that each is shaped like a slug (so its link can only be a dataset page);
this checks that each names an entry, which needs the database and the caller.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from sqlalchemy import select

from marketplace.errors import ValidationError
from marketplace.extensions import db
from marketplace.models import Dataset
from marketplace.services.actors import Actor
from marketplace.services.permissions import can_view


def check_served_datasets(
    actor: Actor,
    slugs: Iterable[str],
    *,
    already: Collection[str] = (),
    pending: Collection[str] = (),
    field: str = "serves_datasets",
) -> None:
    """Raise ValidationError (under ``serves_datasets.<n>``) for each slug that names no entry.

    Only slugs new to the entry are looked up: those in `already` (what it served before) stay,
    even if their entry has gone since. `pending` holds the slugs of entries created in the same
    batch, not yet written. An entry `actor` may not see counts as missing, so the answer never
    tells that another organisation's draft exists.
    """
    slugs = list(slugs)
    wanted = {slug for slug in slugs if slug not in already and slug not in pending}
    if not wanted:
        return
    found = {
        dataset.slug
        for dataset in db.session.scalars(
            select(Dataset).where(Dataset.slug.in_(wanted), Dataset.deleted_at.is_(None))
        )
        if can_view(actor, dataset)
    }
    errors = {
        index: [f"Must name an entry in this catalogue: there is none called {slug!r}."]
        for index, slug in enumerate(slugs)
        if slug in wanted and slug not in found
    }
    if errors and field != "serves_datasets":  # a single slug: its message under its own name
        raise ValidationError({field: errors[0]})
    if errors:
        raise ValidationError({field: errors})
