from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.extensions import db
from marketplace.models.types import UTCDateTime, utcnow


class QualityRating(db.Model):
    """A publisher's declared rating of one Government Data Quality Framework dimension."""

    __tablename__ = "quality_ratings"
    __table_args__ = (
        UniqueConstraint("dataset_id", "dimension", name="uq_quality_ratings_dataset_id_dimension"),
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dataset_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"), index=True)
    dimension: Mapped[str] = mapped_column(String(20))
    rating: Mapped[int] = mapped_column(SmallInteger)
    assessed_on: Mapped[date] = mapped_column(Date)
    method: Mapped[str | None] = mapped_column(Text)
    action_plan_url: Mapped[str | None] = mapped_column(String(2048))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class LinkCheck(db.Model):
    """The last result of checking one URL (an access, download or endpoint URL).

    Keyed by URL, not by distribution, because the same file is often listed by several
    entries and need be fetched only once per run.
    """

    __tablename__ = "link_checks"

    url: Mapped[str] = mapped_column(String(2048), primary_key=True)
    status_code: Mapped[int | None] = mapped_column(Integer)
    ok: Mapped[bool] = mapped_column(Boolean)
    error: Mapped[str | None] = mapped_column(String(200))
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime())
    elapsed_ms: Mapped[int | None] = mapped_column(Integer)
