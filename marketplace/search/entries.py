"""Reading what the index needs of entries straight from the tables.

Four queries per batch of ids (the entries with their organisations, then keywords, themes
and distribution formats) and plain tuples rather than ORM objects: building Dataset objects
with all their relationships cost more than indexing them (profiled on a full reindex).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import Dataset, Organisation
from marketplace.models.dataset import DatasetKeyword, DatasetTheme, Distribution
from marketplace.search.schema import IndexedEntry


def load_entries(ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, IndexedEntry]:
    """The entries among `ids` that exist and are not deleted, by id."""
    ids = list(ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(
            Dataset.id,
            Dataset.title,
            Dataset.summary,
            Dataset.description,
            Organisation.slug,
            Organisation.title,
            Organisation.abbreviation,
            Dataset.licence,
            Dataset.access_rights,
            Dataset.type,
            Dataset.status,
            Dataset.modified,
            Dataset.metadata_score,
            Dataset.metadata_band,
            Dataset.fresh_until,
            Dataset.overdue_after,
            Dataset.identifier,
            Dataset.alternative_titles,
        )
        .join(Organisation, Dataset.organisation_id == Organisation.id)
        .where(Dataset.id.in_(ids), Dataset.deleted_at.is_(None))
    ).all()
    entries = {row[0]: IndexedEntry(str(row[0]), *row[1:]) for row in rows}
    found = list(entries)
    for column, attribute, order in (
        (DatasetKeyword.keyword, "keywords", DatasetKeyword.position),
        (DatasetTheme.theme, "themes", DatasetTheme.theme),
        (Distribution.format, "formats", Distribution.position),
    ):
        values: defaultdict[uuid.UUID, list[str]] = defaultdict(list)
        owner = column.class_.dataset_id
        for dataset_id, value in db.session.execute(
            select(owner, column).where(owner.in_(found)).order_by(owner, order)
        ):
            if value is not None:
                values[dataset_id].append(value)
        for dataset_id, found_values in values.items():
            setattr(entries[dataset_id], attribute, found_values)
    return entries
