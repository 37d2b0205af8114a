"""Data share requests: a person asks the organisation that owns an entry for its data.

The answers are kept as one JSON document (the sections and their questions are the
service's, marketplace/rules/access_request_questions.py); the timeline of moves and
comments is kept row by row, never rewritten.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.extensions import db
from marketplace.models.types import BigIntegerPK, UTCDateTime, utcnow

if TYPE_CHECKING:
    from marketplace.models.dataset import Dataset
    from marketplace.models.organisation import Organisation
    from marketplace.models.user import User

ACCESS_REQUEST_STATUSES = ("draft", "submitted", "in_review", "accepted", "rejected", "returned", "cancelled")


class AccessRequest(db.Model):
    __tablename__ = "access_requests"
    __table_args__ = (
        Index("ix_access_requests_inbox", "organisation_id", "status", "submitted_at"),
        Index("ix_access_requests_requester", "requester_id", "updated_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    # A short reference people can quote on the phone or in an e-mail subject: DSR-XXXXXXXX.
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    dataset_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("datasets.id"), index=True)
    # The entry's owner when the request was made: who decides, even if the entry is deleted later.
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    requester_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    requester_email: Mapped[str] = mapped_column(String(254))
    requesting_organisation_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL")
    )
    status: Mapped[str] = mapped_column(String(20), default="draft")
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Sections the requester has marked complete, and the sections a reviewer returned.
    completed_sections: Mapped[list[str]] = mapped_column(JSON, default=list)
    returned_sections: Mapped[list[str]] = mapped_column(JSON, default=list)
    declaration_accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    first_submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Optimistic locking: every change bumps it; a change made against an older version is refused
    # (SQLAlchemy's version counter: UPDATE ... WHERE version = the one read).
    version: Mapped[int] = mapped_column(Integer, default=1)

    dataset: Mapped[Dataset] = relationship(lazy="joined")
    organisation: Mapped[Organisation] = relationship(foreign_keys=[organisation_id], lazy="joined")
    requesting_organisation: Mapped[Organisation | None] = relationship(
        foreign_keys=[requesting_organisation_id], lazy="joined"
    )
    requester: Mapped[User | None] = relationship(foreign_keys=[requester_id])
    events: Mapped[list[AccessRequestEvent]] = relationship(
        back_populates="access_request",
        cascade="all, delete-orphan",
        order_by="AccessRequestEvent.id",
    )

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<AccessRequest {self.reference} {self.status}>"


class AccessRequestEvent(db.Model):
    """One line of a request's timeline: a move between statuses, or a comment."""

    __tablename__ = "access_request_events"

    id: Mapped[int] = mapped_column(BigIntegerPK, primary_key=True)
    access_request_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("access_requests.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))  # transition | comment
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str | None] = mapped_column(String(20))
    author_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Kept as text too, so the timeline survives the author's account.
    author_label: Mapped[str] = mapped_column(String(254))
    # Which side wrote it: "requester" or "reviewer" (a site admin acting counts as a reviewer).
    author_side: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    comment: Mapped[str | None] = mapped_column(Text)
    sections: Mapped[list[str]] = mapped_column(JSON, default=list)

    access_request: Mapped[AccessRequest] = relationship(back_populates="events")
