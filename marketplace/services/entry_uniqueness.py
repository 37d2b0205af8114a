"""What no two entries may share: a slug (current or old, anywhere), and an organisation's own
identifier for an entry (among its entries of the same type not deleted). Checked by the services
before a write; `reserved` holds what entries being created alongside will take.

The identifier is per type because a supplier's system commonly gives a dataset and the API that
serves it one reference (the Data Marketplace's own samples do: "acme-123" for both).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping

from sqlalchemy import select

from marketplace.errors import ConflictError
from marketplace.extensions import db
from marketplace.models import Dataset, Organisation
from marketplace.queries.datasets import slug_taken


def require_free_slug(
    slug: str, except_id: uuid.UUID | None = None, reserved: set[str] | None = None
) -> None:
    if (reserved and slug in reserved) or slug_taken(slug, except_id=except_id):
        raise ConflictError(
            f"The slug {slug!r} is already used by another entry.",
            {"slug": ["Already used by another entry: choose another."]},
            code="slug_taken",
        )


def identifiers_taken(
    organisation: Organisation,
    identifiers: Iterable[str],
    entry_type: str,
    *,
    except_id: uuid.UUID | None = None,
) -> dict[str, str]:
    """Which of `identifiers` entries of `organisation` of `entry_type` already have, each with one
    such entry's slug.

    A deleted entry's identifier is free again: it is gone.
    """
    wanted = sorted({identifier for identifier in identifiers if identifier})
    taken: dict[str, str] = {}
    for start in range(0, len(wanted), 500):
        query = select(Dataset.identifier, Dataset.slug).where(
            Dataset.organisation_id == organisation.id,
            Dataset.type == entry_type,
            Dataset.identifier.in_(wanted[start : start + 500]),
            Dataset.deleted_at.is_(None),
        )
        if except_id is not None:
            query = query.where(Dataset.id != except_id)
        for identifier, slug in db.session.execute(query.order_by(Dataset.slug)):
            taken.setdefault(identifier, slug)
    return taken


def require_free_identifier(
    identifier: str | None,
    organisation: Organisation,
    entry_type: str,
    *,
    except_id: uuid.UUID | None = None,
    reserved: Mapping[tuple[uuid.UUID, str, str], str] | None = None,
) -> None:
    """No two entries of one organisation and type share their own identifier. `reserved` holds
    those of entries being created alongside, not yet written, by (organisation id, type, identifier)."""
    if not identifier:
        return
    taken_by = (reserved or {}).get((organisation.id, entry_type, identifier))
    if taken_by is None:
        taken = identifiers_taken(organisation, [identifier], entry_type, except_id=except_id)
        taken_by = taken.get(identifier)
    if taken_by is not None:
        raise ConflictError(
            f"The identifier {identifier!r} is already used by {taken_by}, another entry of "
            f"{organisation.title}. Give each entry its own identifier, or change {taken_by} instead.",
            {"identifier": [f"Already used by {taken_by}: each entry of an organisation needs its own."]},
            code="identifier_taken",
        )
