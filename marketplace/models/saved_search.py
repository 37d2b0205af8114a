"""A search a user has saved from the find page, with its e-mail alert."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.extensions import db
from marketplace.models.types import UTCDateTime, utcnow

ALERT_FREQUENCIES = ("none", "daily", "weekly")


class SavedSearch(db.Model):
    """The find page's query string, kept as its parameters so rerunning it is one link.

    `last_alert_at` is the time the last digest covered up to (or when the search was saved);
    `alert_claimed_until` lets one `alerts send` host work on a search while another skips it.
    """

    __tablename__ = "saved_searches"
    __table_args__ = (
        UniqueConstraint("user_id", "name", name="uq_saved_searches_user_id_name"),
        Index("ix_saved_searches_alert_due", "alert", "last_alert_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    alert: Mapped[str] = mapped_column(String(10), default="none")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_viewed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_alert_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    alert_claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
