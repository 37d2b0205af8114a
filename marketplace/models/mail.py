"""The mail outbox: every e-mail the service sends, written in the transaction of the change that
caused it, and sent afterwards by `flask mail send` (services/mail.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.extensions import db
from marketplace.models.types import BigIntegerPK, UTCDateTime, utcnow

MAIL_STATUSES = ("pending", "sending", "sent", "failed")


class MailMessage(db.Model):
    __tablename__ = "mail_messages"
    __table_args__ = (Index("ix_mail_messages_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(BigIntegerPK, primary_key=True)
    # Fixed when queued, so a message sent again after a crash carries the same Message-ID and a
    # receiving server or mail client can recognise it as the same message.
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(255))
    body_text: Mapped[str] = mapped_column(Text)
    # What caused it ("access_request.submitted") and what it is about (an access request's id):
    # lets the pages and tests find a request's e-mails without reading bodies.
    kind: Mapped[str] = mapped_column(String(60))
    reference: Mapped[str | None] = mapped_column(String(80), index=True)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # A sender claims a message until this time; another sender takes it over only after.
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(String(1000))
    # Where it went: "smtp" or the .eml file's name when no MAIL_SERVER is set.
    delivered_to: Mapped[str | None] = mapped_column(String(255))

    def __repr__(self) -> str:
        return f"<MailMessage {self.id} {self.kind} {self.status}>"
