"""Answers kept for retried requests: what a caller's `Idempotency-Key` was first used for."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.extensions import db
from marketplace.models.types import BigIntegerPK, UTCDateTime, utcnow


class IdempotencyKey(db.Model):
    """One caller's key: the request it was first sent with and, once answered, the answer.

    A row without a `status` is a claim: that request is still running (services/idempotency.py).
    """

    __tablename__ = "idempotency_keys"
    # Two first uses of a key racing each other: the database lets one row in. A key belongs to a
    # person or to a machine client (the other column is NULL, which never conflicts).
    __table_args__ = (
        UniqueConstraint("user_id", "key", name="uq_idempotency_keys_user_id_key"),
        UniqueConstraint("client_id", "key", name="uq_idempotency_keys_client_id_key"),
    )

    id: Mapped[int] = mapped_column(BigIntegerPK, primary_key=True)
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    client_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("api_clients.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(255))
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(String(2048))
    body_sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[int | None] = mapped_column(Integer)
    response_body: Mapped[bytes | None] = mapped_column(LargeBinary)
    response_headers: Mapped[dict[str, str] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
