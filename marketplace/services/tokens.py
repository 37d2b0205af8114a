"""API tokens: made once, shown once, stored as a hash, revocable, with an expiry.

The rules, the same from the account page and the command line: a person holds at most
MAX_ACTIVE_TOKENS tokens that are neither revoked nor expired; a new token expires after
TOKEN_DEFAULT_EXPIRY_DAYS unless another expiry of up to a year is chosen; and only a site
admin's own tokens may never expire (a leaked token that never expires is a key for ever).
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Iterable
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, or_, select

from marketplace.config import MAX_TOKEN_EXPIRY_DAYS
from marketplace.errors import (
    AuthenticationError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from marketplace.extensions import db
from marketplace.models import ApiToken, User
from marketplace.models.types import utcnow
from marketplace.rules.actors import Actor
from marketplace.services.users import find_user_by_email

TOKEN_PREFIX = "dm_"
SCOPES = ("read", "publish")
# How often last_used_at is written: every request would turn each read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)
# The longest expiry anyone may choose (config refuses a longer default); only site admins may
# have tokens that never expire.
MAX_EXPIRY_DAYS = MAX_TOKEN_EXPIRY_DAYS


def hash_token(secret: str) -> str:
    # A fast hash is right here: the token is 256 random bits, so it cannot be guessed from its
    # hash however fast the hash; a slow password hash would only slow every API call.
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(
    actor: Actor,
    email: str,
    *,
    name: str,
    scopes: Iterable[str] = ("read",),
    expires_days: int | None = None,
    never_expires: bool = False,
) -> tuple[ApiToken, str]:
    """Make a token for the user with `email`; returns it and the secret, which is never stored.

    It expires after `expires_days` (1 to MAX_EXPIRY_DAYS), TOKEN_DEFAULT_EXPIRY_DAYS if not
    given; `never_expires` only for a site admin's own tokens. ConflictError when the user
    already has MAX_ACTIVE_TOKENS active tokens.
    """
    user = find_user_by_email(email)
    if user is None:
        raise ValidationError({"email": [f"There is no user {email!r}. Add them first with 'users add'."]})
    if not (actor.is_site_admin or actor.user_id == user.id):
        raise PermissionDeniedError("You can only create tokens for yourself.")
    scopes = sorted(set(scopes))
    unknown = set(scopes) - set(SCOPES)
    errors = {}
    if not scopes or unknown:
        errors["scope"] = [f"Use one or more of: {', '.join(SCOPES)}."]
    name = (name or "").strip()
    if not name or len(name) > 100:
        errors["name"] = ["Give the token a name of 1 to 100 characters."]
    if never_expires and expires_days is not None:
        errors["expires_days"] = ["Choose a number of days or never, not both."]
    elif never_expires and not user.is_site_admin:
        errors["expires_days"] = ["Only site admins can have a token that never expires."]
    elif expires_days is not None and not 1 <= expires_days <= MAX_EXPIRY_DAYS:
        errors["expires_days"] = [f"Must be between 1 and {MAX_EXPIRY_DAYS} days."]
    if errors:
        raise ValidationError(errors)
    if expires_days is None and not never_expires:
        expires_days = current_app.config["TOKEN_DEFAULT_EXPIRY_DAYS"]
    _lock_user(user)
    limit = current_app.config["MAX_ACTIVE_TOKENS"]
    if count_active_tokens(user) >= limit:
        raise ConflictError(
            f"{user.email} already has {limit} active API tokens, the most allowed. "
            "Revoke one that is no longer used, then create the new one.",
            limit=limit,
        )
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user,
        name=name,
        token_hash=hash_token(secret),
        prefix=secret[:10],
        scopes=",".join(scopes),
        expires_at=None if never_expires else utcnow() + timedelta(days=expires_days),
    )
    db.session.add(token)
    db.session.commit()
    return token, secret


def count_active_tokens(user: User) -> int:
    """The user's tokens that still work: neither revoked nor expired."""
    active = (
        select(func.count())
        .select_from(ApiToken)
        .where(
            ApiToken.user_id == user.id,
            ApiToken.revoked_at.is_(None),
            or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > utcnow()),
        )
    )
    return db.session.scalar(active)


def _lock_user(user: User) -> None:
    """Hold the user's row until commit, so two requests at once cannot both take the last place.

    (SQLite ignores FOR UPDATE, but lets only one transaction write at a time.)"""
    db.session.execute(select(User.id).where(User.id == user.id).with_for_update())


def list_tokens(actor: Actor, user: User) -> list[ApiToken]:
    if not (actor.is_site_admin or actor.user_id == user.id):
        raise PermissionDeniedError("You can only list your own tokens.")
    return list(
        db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at))
    )


def get_token(actor: Actor, token_id: str) -> ApiToken:
    """One of the actor's own tokens (any, for a site admin): NotFoundError or PermissionDeniedError."""
    try:
        key = uuid.UUID(token_id)
    except ValueError as error:
        raise NotFoundError(f"There is no token {token_id!r}.") from error
    token = db.session.get(ApiToken, key)
    if token is None:
        raise NotFoundError(f"There is no token {token_id!r}.")
    if not (actor.is_site_admin or actor.user_id == token.user_id):
        raise PermissionDeniedError("You can only see and revoke your own tokens.")
    return token


def revoke_token(actor: Actor, token_id: str) -> ApiToken:
    token = get_token(actor, token_id)
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.commit()
    return token


def authenticate_token(secret: str) -> Actor:
    """The actor a presented token stands for; AuthenticationError if it is unknown, revoked or expired."""
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(secret.strip())))
    now = utcnow()
    if token is None:
        raise AuthenticationError("The API token is not recognised.")
    if token.revoked_at is not None:
        raise AuthenticationError("The API token has been revoked.")
    if token.expires_at is not None and token.expires_at <= now:
        raise AuthenticationError("The API token has expired.")
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        token.last_used_at = now
        db.session.commit()
    return Actor.for_user(token.user, "token", token.scope_set)
