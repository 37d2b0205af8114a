"""What people tell us about the service, from the feedback page."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.extensions import db
from marketplace.models.types import UTCDateTime, utcnow


class Feedback(db.Model):
    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    page: Mapped[str | None] = mapped_column(String(2000))  # the path they came from, if any
    doing: Mapped[str | None] = mapped_column(Text)
    message: Mapped[str] = mapped_column(Text)
    reply_to: Mapped[str | None] = mapped_column(String(254))
    # Who sent it, if signed in; kept (as null) if their account goes.
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
