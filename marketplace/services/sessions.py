"""Signed-in sessions: started at sign-in, checked on every request, ended by sign-out,
back-channel logout, idleness or age.

The browser's cookie holds a random secret; the database holds its hash and the session's
state. That is what makes sign-out real: ending the row ends access in every worker and on
every host at once, which a self-contained signed cookie could not do.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from marketplace.errors import AuthenticationError
from marketplace.extensions import db
from marketplace.models import SeenLogoutToken, User, UserSession
from marketplace.models.types import utcnow

# last_seen_at is written at most this often, so that reading pages does not write every time.
TOUCH_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class SessionPolicy:
    idle: timedelta
    absolute: timedelta

    @classmethod
    def from_config(cls, config) -> SessionPolicy:
        return cls(
            idle=timedelta(minutes=config["SESSION_IDLE_MINUTES"]),
            absolute=timedelta(hours=config["SESSION_ABSOLUTE_HOURS"]),
        )


def _hash(secret: str) -> str:
    # As for API tokens: 256 random bits need no slow hash.
    return hashlib.sha256(secret.encode()).hexdigest()


def start_session(
    user: User, policy: SessionPolicy, *, provider_sid: str | None, id_token: str | None
) -> tuple[UserSession, str]:
    """Record a new sign-in; returns the session and the secret for the cookie (never stored)."""
    secret = secrets.token_urlsafe(32)
    now = utcnow()
    session = UserSession(
        user=user,
        secret_hash=_hash(secret),
        provider_sid=provider_sid,
        id_token=id_token,
        created_at=now,
        last_seen_at=now,
        expires_at=now + policy.absolute,
    )
    user.last_signed_in_at = now
    db.session.add(session)
    db.session.commit()
    return session, secret


def find_active_session(secret: str, policy: SessionPolicy) -> UserSession | None:
    """The live session for a cookie's secret, or None; ends it here if it has gone idle or old."""
    session = db.session.scalar(select(UserSession).where(UserSession.secret_hash == _hash(secret)))
    if session is None or session.ended_at is not None:
        return None
    now = utcnow()
    if now >= session.expires_at:
        _end(session, "expired", now)
        return None
    if now - session.last_seen_at >= policy.idle:
        _end(session, "idle", now)
        return None
    if now - session.last_seen_at >= TOUCH_RESOLUTION:
        session.last_seen_at = now
        db.session.commit()
    return session


def end_session(session: UserSession, reason: str) -> None:
    if session.ended_at is None:
        _end(session, reason, utcnow())


def _end(session: UserSession, reason: str, now: datetime) -> None:
    session.ended_at = now
    session.end_reason = reason
    db.session.commit()


def end_sessions_of_user(user: User, reason: str) -> int:
    """End every open session of `user` (back-channel logout names a person, not a browser)."""
    result = db.session.execute(
        update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        .values(ended_at=utcnow(), end_reason=reason)
    )
    db.session.commit()
    return result.rowcount


def record_logout_token(jti: str, expires_at: datetime) -> None:
    """Remember a back-channel logout token's `jti`; AuthenticationError if it was seen before.

    The primary key makes this safe across workers: two deliveries of one token cannot both
    insert. Old entries are pruned here, as the table is only ever read for replays.
    """
    now = utcnow()
    db.session.execute(delete(SeenLogoutToken).where(SeenLogoutToken.expires_at < now))
    db.session.add(SeenLogoutToken(jti=jti, expires_at=expires_at))
    try:
        db.session.commit()
    except IntegrityError as error:
        db.session.rollback()
        raise AuthenticationError("This logout token has been used already.") from error
