"""Machine clients: a department's own system that calls the API on its organisation's behalf.

A client proves itself at the token endpoint (OAuth 2.0 client credentials: a secret, or a key
pair for `private_key_jwt`) and gets a short-lived bearer token; it is not a person, so it has
no user and no memberships, only its organisation and the scopes it was granted.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, PrimaryKeyConstraint, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.extensions import db
from marketplace.models.types import UTCDateTime, utcnow


class ApiClient(db.Model):
    __tablename__ = "api_clients"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    # What the client sends as client_id: public, not a secret.
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    scopes: Mapped[str] = mapped_column(String(100))  # comma-separated: discover,publish,delete
    # sha256 of the secret (256 random bits, so a fast hash is enough); None for a client that
    # signs assertions with a key instead (private_key_jwt).
    secret_hash: Mapped[str | None] = mapped_column(String(64))
    secret_prefix: Mapped[str | None] = mapped_column(String(16))
    # The client's public keys for private_key_jwt, as a JWK Set.
    public_jwks: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Kept apart from created_by_id so the record still says who made it after an account goes.
    created_by_label: Mapped[str] = mapped_column(String(254))
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_by_label: Mapped[str | None] = mapped_column(String(254))
    secret_rotated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    tokens_issued: Mapped[int] = mapped_column(Integer, default=0)

    organisation = relationship("Organisation")

    @property
    def scope_set(self) -> set[str]:
        return set(filter(None, self.scopes.split(",")))

    def is_active(self, now: datetime | None = None) -> bool:
        now = now or utcnow()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class ApiClientToken(db.Model):
    """A bearer token issued to a client: stored as a hash, short-lived, with the scopes granted."""

    __tablename__ = "api_client_tokens"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("api_clients.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[str] = mapped_column(String(100))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    client = relationship("ApiClient")

    @property
    def scope_set(self) -> set[str]:
        return set(filter(None, self.scopes.split(",")))


class ApiClientAssertion(db.Model):
    """A `private_key_jwt` assertion's `jti`, kept until the assertion expires so it is used once."""

    __tablename__ = "api_client_assertions"
    __table_args__ = (PrimaryKeyConstraint("client_id", "jti", name="pk_api_client_assertions"),)

    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("api_clients.id", ondelete="CASCADE"))
    jti: Mapped[str] = mapped_column(String(255))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
