"""Signed-in sessions, kept server-side so that signing out and back-channel logout end them."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.extensions import db
from marketplace.models.types import UTCDateTime, utcnow
from marketplace.models.user import User


class UserSession(db.Model):
    """One sign-in. The browser holds a random secret; only its SHA-256 hash is stored here."""

    __tablename__ = "user_sessions"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The provider's session id (`sid` in the ID token), named in back-channel logout tokens.
    provider_sid: Mapped[str | None] = mapped_column(String(255), index=True)
    # Kept only to send as `id_token_hint` when signing out at the provider.
    id_token: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Why it ended: signed-out, back-channel-logout, idle, expired, user-removed.
    end_reason: Mapped[str | None] = mapped_column(String(40))

    user: Mapped[User] = relationship(lazy="joined")


class SeenLogoutToken(db.Model):
    """A back-channel `logout_token` already acted on: a replay within its lifetime is refused."""

    __tablename__ = "seen_logout_tokens"

    jti: Mapped[str] = mapped_column(String(255), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
