"""What people searched for, and which results they followed: no user, IP, session or token."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.extensions import db
from marketplace.models.types import UTCDateTime, utcnow

QUERY_MAX_LENGTH = 200
SOURCES = ("page", "api", "organisation")


class SearchLog(db.Model):
    """One search as the person saw it: page 1 only, so paging is not counted twice."""

    __tablename__ = "search_log"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    query: Mapped[str] = mapped_column(String(QUERY_MAX_LENGTH), default="")
    filters: Mapped[dict] = mapped_column(JSON, default=dict)
    result_count: Mapped[int] = mapped_column(Integer, default=0)
    source: Mapped[str] = mapped_column(String(20))
    # The organisation whose page the search was made on, for that organisation's admins.
    organisation_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL"), index=True
    )
    searched_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class SearchClick(db.Model):
    """A result followed from a logged search; goes with its search (cascade)."""

    __tablename__ = "search_clicks"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    search_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("search_log.id", ondelete="CASCADE"), index=True)
    rank: Mapped[int] = mapped_column(Integer)
    dataset_slug: Mapped[str] = mapped_column(String(250))
    clicked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
