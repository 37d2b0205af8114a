from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.extensions import db
from marketplace.models.dataset import Dataset
from marketplace.models.types import BigIntegerPK, UTCDateTime, utcnow


class OutboxEntry(db.Model):
    """A change that the search index (and later other consumers) must apply.

    Written in the same transaction as the change itself, so a committed change is never
    missed; consumers keep their own position (the highest id applied) rather than
    marking rows, so several index copies can each catch up independently.
    """

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(BigIntegerPK, primary_key=True)
    dataset_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"), index=True)
    change: Mapped[str] = mapped_column(String(20))  # "upsert" or "delete"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    dataset: Mapped[Dataset] = relationship()
