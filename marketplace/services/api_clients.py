"""Machine API clients: registered by an org admin, authenticated at the token endpoint, used
through short-lived bearer tokens that act for the client's organisation within its scopes.

The same rules from the organisation's page and from `flask clients` at the command line: only
an org admin of the organisation (or a site admin) registers, rotates and revokes its clients; a
secret or token is shown once and stored as a hash; a revoked or expired client can no longer
get tokens, and the tokens it already holds stop working at once.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from marketplace.errors import AuthenticationError, NotFoundError, PermissionDeniedError, ValidationError
from marketplace.extensions import db
from marketplace.models import ApiClient, ApiClientAssertion, ApiClientToken, Organisation
from marketplace.models.types import utcnow
from marketplace.rules.actors import CLIENT_SCOPES, Actor
from marketplace.rules.permissions import read_only_message
from marketplace.services.organisations import find_organisation
from marketplace.services.roles import can_manage_roles

SCOPES = tuple(CLIENT_SCOPES)  # discover, publish, delete
CLIENT_ID_PREFIX = "dmc_"
SECRET_PREFIX = "dmcs_"
ACCESS_TOKEN_PREFIX = "dmct_"
MAX_EXPIRY_DAYS = 366
# How often last_used_at is written: every request would turn each read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def hash_secret(secret: str) -> str:
    # A fast hash is right: secrets are 256 random bits, which no speed of hashing lets anyone guess.
    return hashlib.sha256(secret.encode()).hexdigest()


def scopes_from(value: str | Iterable[str]) -> list[str]:
    """Scope names from "discover,publish" or "discover publish" or a list, in SCOPES' order;
    ValidationError naming `scope` for an unknown or missing one."""
    names = value.replace(",", " ").split() if isinstance(value, str) else [str(v).strip() for v in value]
    unknown = sorted(set(names) - set(SCOPES))
    if unknown or not names:
        raise ValidationError({"scope": [f"Choose one or more of: {', '.join(SCOPES)}."]})
    return [name for name in SCOPES if name in names]


def require_client_manager(actor: Actor, organisation: Organisation, *, writing: bool) -> None:
    if not actor.is_authenticated or actor.client is not None:
        raise AuthenticationError("Sign in as an org admin to manage API clients.")
    if writing and not actor.may_write:
        raise PermissionDeniedError(read_only_message(actor))
    if not can_manage_roles(actor, organisation):
        raise PermissionDeniedError(f"Only an org admin of {organisation.title} can manage its API clients.")


def create_client(
    actor: Actor,
    organisation_slug: str,
    *,
    name: str,
    scopes: str | Iterable[str],
    expires_days: int | None = None,
    public_jwks: str | Mapping[str, Any] | None = None,
) -> tuple[ApiClient, str | None]:
    """Register a client; returns it and its secret, shown this once (None when the client signs
    assertions with the keys in `public_jwks` instead: private_key_jwt)."""
    organisation = find_organisation(organisation_slug)
    require_client_manager(actor, organisation, writing=True)
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name or len(name) > 100 or not name.isprintable():
        errors["name"] = ["Give the client a name of 1 to 100 printable characters."]
    try:
        granted = scopes_from(scopes)
    except ValidationError as error:
        errors.update(error.errors)
    if expires_days is not None and not 1 <= expires_days <= MAX_EXPIRY_DAYS:
        errors["expires_days"] = [f"Must be between 1 and {MAX_EXPIRY_DAYS} days, or none."]
    keys = None
    if public_jwks not in (None, ""):
        try:
            keys = public_key_set(public_jwks)
        except ValidationError as error:
            errors.update(error.errors)
    if errors:
        raise ValidationError(errors)
    secret = None if keys else SECRET_PREFIX + secrets.token_urlsafe(32)
    client = ApiClient(
        client_id=CLIENT_ID_PREFIX + secrets.token_hex(12),
        name=name,
        organisation=organisation,
        scopes=",".join(granted),
        secret_hash=hash_secret(secret) if secret else None,
        secret_prefix=secret[:10] if secret else None,
        public_jwks=keys,
        created_by_id=actor.user_id,
        created_by_label=actor.label,
        expires_at=utcnow() + timedelta(days=expires_days) if expires_days else None,
        tokens_issued=0,
    )
    db.session.add(client)
    db.session.commit()
    return client, secret


def public_key_set(value: str | Mapping[str, Any]) -> dict[str, Any]:
    """A JWK Set of public keys (or one JWK) as a dict; ValidationError naming `public_jwks`."""
    problem = {"public_jwks": ['Give the client\'s public keys as a JSON Web Key Set: {"keys": [...]}.']}
    try:
        data = json.loads(value) if isinstance(value, str) else dict(value)
    except (ValueError, TypeError) as error:
        raise ValidationError(problem) from error
    if isinstance(data, dict) and "keys" not in data and "kty" in data:
        data = {"keys": [data]}
    if not isinstance(data, dict) or not isinstance(data.get("keys"), list) or not data["keys"]:
        raise ValidationError(problem)
    try:
        key_set = KeySet.import_key_set(data)
    except (JoseError, ValueError, TypeError, KeyError) as error:
        raise ValidationError(problem) from error
    if any(key.is_private for key in key_set.keys):
        raise ValidationError({"public_jwks": ["That holds a private key: give only the public part."]})
    return key_set.as_dict(private=False)


def list_clients(actor: Actor, organisation_slug: str | None = None) -> list[ApiClient]:
    """An organisation's clients, oldest first; every organisation's for a site admin who names none."""
    query = select(ApiClient)
    if organisation_slug is None:
        if not actor.is_site_admin:
            raise PermissionDeniedError("Only a site admin can list every organisation's API clients.")
    else:
        organisation = find_organisation(organisation_slug)
        require_client_manager(actor, organisation, writing=False)
        query = query.where(ApiClient.organisation_id == organisation.id)
    return list(db.session.scalars(query.order_by(ApiClient.created_at, ApiClient.client_id)))


def get_client(actor: Actor, client_id: str) -> ApiClient:
    """A client by its client_id (or its row id), for someone who may manage it."""
    client = find_client(client_id)
    if client is None:
        raise NotFoundError(f"There is no API client {client_id!r}.")
    require_client_manager(actor, client.organisation, writing=False)
    return client


def find_client(client_id: str) -> ApiClient | None:
    client = db.session.scalar(select(ApiClient).where(ApiClient.client_id == client_id))
    if client is None:
        try:
            client = db.session.get(ApiClient, uuid.UUID(client_id))
        except ValueError:
            return None
    return client


def rotate_secret(actor: Actor, client_id: str) -> tuple[ApiClient, str]:
    """A new secret for the client, shown once; the old one stops working now, and so do tokens
    issued with it (whoever held the old secret may hold those)."""
    client = get_client(actor, client_id)
    require_client_manager(actor, client.organisation, writing=True)
    if client.revoked_at is not None:
        raise ValidationError({"client_id": ["This client is revoked: register a new one."]})
    if client.public_jwks:
        raise ValidationError(
            {"client_id": ["This client signs with its keys (private_key_jwt): it has no secret."]}
        )
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    client.secret_hash = hash_secret(secret)
    client.secret_prefix = secret[:10]
    client.secret_rotated_at = utcnow()
    db.session.execute(delete(ApiClientToken).where(ApiClientToken.client_id == client.id))
    db.session.commit()
    return client, secret


def revoke_client(actor: Actor, client_id: str) -> ApiClient:
    """Revoke for good: no new tokens, and its tokens stop working at once."""
    client = get_client(actor, client_id)
    require_client_manager(actor, client.organisation, writing=True)
    if client.revoked_at is None:
        client.revoked_at = utcnow()
        client.revoked_by_label = actor.label
        db.session.execute(delete(ApiClientToken).where(ApiClientToken.client_id == client.id))
        db.session.commit()
    return client


def check_client_secret(client: ApiClient, secret: str) -> bool:
    if not client.secret_hash:
        return False
    return hmac.compare_digest(client.secret_hash, hash_secret(secret))


def issue_access_token(client: ApiClient, scopes: Iterable[str]) -> tuple[str, int]:
    """A new bearer token for `client` with `scopes` (a subset of the client's); returns the token,
    shown once, and its lifetime in seconds. The caller has authenticated the client."""
    if not client.is_active():
        raise AuthenticationError("This API client is revoked or has expired.")
    granted = [name for name in SCOPES if name in set(scopes) & client.scope_set]
    lifetime = current_app.config["CLIENT_TOKEN_LIFETIME_SECONDS"]
    now = utcnow()
    if client.expires_at is not None:  # a token never outlives its client
        lifetime = max(1, min(lifetime, int((client.expires_at - now).total_seconds())))
    secret = ACCESS_TOKEN_PREFIX + secrets.token_urlsafe(32)
    db.session.add(
        ApiClientToken(
            client=client,
            token_hash=hash_secret(secret),
            scopes=",".join(granted),
            issued_at=now,
            expires_at=now + timedelta(seconds=lifetime),
        )
    )
    client.tokens_issued = (client.tokens_issued or 0) + 1
    client.last_used_at = now
    # Spent tokens and assertions are kept no longer than they could be used.
    db.session.execute(delete(ApiClientToken).where(ApiClientToken.expires_at < now - timedelta(days=1)))
    db.session.execute(delete(ApiClientAssertion).where(ApiClientAssertion.expires_at < now))
    db.session.commit()
    return secret, lifetime


def is_client_token(secret: str) -> bool:
    return secret.strip().startswith(ACCESS_TOKEN_PREFIX)


def authenticate_client_token(secret: str) -> Actor:
    """The actor a client's bearer token stands for; AuthenticationError if it is unknown or
    expired, or its client revoked or expired."""
    token = db.session.scalar(
        select(ApiClientToken).where(ApiClientToken.token_hash == hash_secret(secret.strip()))
    )
    now = utcnow()
    if token is None:
        raise AuthenticationError("The access token is not recognised.")
    if token.expires_at <= now:
        raise AuthenticationError("The access token has expired: get a new one from /ClientAuth/get-token.")
    client = token.client
    if not client.is_active(now):
        raise AuthenticationError("The API client this token was issued to is revoked or has expired.")
    if client.last_used_at is None or now - client.last_used_at > LAST_USED_RESOLUTION:
        client.last_used_at = now
        token.last_used_at = now
        db.session.commit()
    return Actor.for_client(client, token.scope_set)


def spend_assertion(client: ApiClient, jti: str, expires_at: datetime) -> bool:
    """Record a private_key_jwt assertion's jti, kept until `expires_at`; False if this client has
    used it before. Committed at once, so the same assertion sent to another worker a moment
    later is refused too; of two sent at the same moment the primary key lets one in."""
    if db.session.get(ApiClientAssertion, (client.id, jti)) is not None:
        return False
    db.session.add(ApiClientAssertion(client_id=client.id, jti=jti, expires_at=expires_at))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return False
    return True
