"""Queries for the Metadata Management API (/dm/v1): an organisation's records, and one by id."""

from __future__ import annotations

import uuid
from collections.abc import Collection

from sqlalchemy import func, or_, select

from marketplace.extensions import db
from marketplace.models import Dataset, DatasetKeyword

# The specification's bound on GET /cataloged-resources.
MAX_RECORDS = 1000


def _escaped(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def organisation_records(organisation_ids: Collection[uuid.UUID], term: str | None) -> list[Dataset]:
    """The organisations' live entries (drafts and withdrawn too), newest change first, whose
    title, keywords or identifier (DCAT-UK's supplierIdentifier) contain `term`, ignoring case."""
    stmt = select(Dataset).where(Dataset.organisation_id.in_(organisation_ids), Dataset.deleted_at.is_(None))
    if term:
        pattern = f"%{_escaped(term.lower())}%"
        keyword = (
            select(DatasetKeyword.dataset_id)
            .where(func.lower(DatasetKeyword.keyword).like(pattern, escape="\\"))
            .scalar_subquery()
        )
        stmt = stmt.where(
            or_(
                func.lower(Dataset.title).like(pattern, escape="\\"),
                func.lower(Dataset.identifier).like(pattern, escape="\\"),
                Dataset.id.in_(keyword),
            )
        )
    stmt = stmt.order_by(Dataset.updated_at.desc(), Dataset.id).limit(MAX_RECORDS)
    return list(db.session.scalars(stmt))


def organisation_record(organisation_ids: Collection[uuid.UUID], record_id: uuid.UUID) -> Dataset | None:
    """The entry with this id if one of the organisations holds it and it is not deleted."""
    dataset = db.session.get(Dataset, record_id)
    if dataset is None or dataset.organisation_id not in organisation_ids or dataset.is_deleted:
        return None
    return dataset


def record_exists(record_id: uuid.UUID) -> bool:
    """Whether any entry, of any organisation, deleted or not, has this id."""
    return db.session.get(Dataset, record_id) is not None
