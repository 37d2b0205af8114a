from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.extensions import db
from marketplace.models.dataset import Dataset
from marketplace.models.types import BigIntegerPK, UTCDateTime, utcnow


class Revision(db.Model):
    """One change to an entry: who made it, when, and each changed field before and after."""

    __tablename__ = "revisions"

    id: Mapped[int] = mapped_column(BigIntegerPK, primary_key=True)
    dataset_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(30))
    actor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Kept apart from actor_id so history still says who acted after an account goes.
    actor_label: Mapped[str] = mapped_column(String(254))
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    dataset: Mapped[Dataset] = relationship()
