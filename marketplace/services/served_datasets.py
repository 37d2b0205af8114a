"""The entries an entry names: the datasets a data service serves (by slug, each an entry of this
catalogue) and the data services that give a distribution's data (its access services, by id,
each a data service of this catalogue).

The entry schema checks that each is shaped like a slug or an id (so its link can only be an entry
page); this checks that each names an entry, which needs the database and the caller.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable, Mapping
from typing import Any

from sqlalchemy import select

from marketplace.errors import ValidationError
from marketplace.extensions import db
from marketplace.models import Dataset
from marketplace.rules.actors import Actor
from marketplace.rules.permissions import can_view


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


def check_access_services(
    actor: Actor,
    distributions: Iterable[Mapping[str, Any]],
    *,
    already: Collection[str] = (),
    pending: Collection[str] = (),
) -> None:
    """Raise ValidationError (under ``distributions.<n>.access_services.<m>``) for each access
    service that names no data service.

    The rule of `check_served_datasets`, by id: ids in `already` (any the entry's distributions
    named before) stay even if their service has gone since; `pending` holds the ids of data
    services created in the same batch; a service `actor` may not see counts as missing.
    """
    named = [list(distribution.get("access_services") or []) for distribution in distributions]
    wanted = {id_ for ids in named for id_ in ids if id_ not in already and id_ not in pending}
    if not wanted:
        return
    found = {
        str(service.id)
        for service in db.session.scalars(
            select(Dataset).where(
                Dataset.id.in_([uuid.UUID(id_) for id_ in wanted]),
                Dataset.type == "data_service",
                Dataset.deleted_at.is_(None),
            )
        )
        if can_view(actor, service)
    }
    errors = {
        position: {
            "access_services": {
                index: [f"Must name a data service in this catalogue: there is none with the id {id_}."]
                for index, id_ in enumerate(ids)
                if id_ in wanted and id_ not in found
            }
        }
        for position, ids in enumerate(named)
    }
    errors = {position: error for position, error in errors.items() if error["access_services"]}
    if errors:
        raise ValidationError({"distributions": errors})
