"""Fixtures for the token endpoint: organisations, registered clients, their keys and assertions.

Every time is worked out when a test runs (never when pytest collects it)."""

from __future__ import annotations

import base64
import time
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from joserfc import jwt
from joserfc.jwk import ECKey, RSAKey

from marketplace.models import ApiClient, Organisation
from marketplace.services.api_clients import create_client
from tests.factories import ADMIN, create_organisation

TOKEN_PATHS = ("/oauth/token", "/ClientAuth/get-token")


@dataclass
class Registered:
    """A client as its owner holds it: the record, and the secret or the private key."""

    record: ApiClient
    secret: str | None = None
    key: Any = None

    @property
    def client_id(self) -> str:
        return self.record.client_id

    def basic(self, secret: str | None = None) -> dict[str, str]:
        pair = f"{self.client_id}:{secret if secret is not None else self.secret}"
        return {"Authorization": "Basic " + base64.b64encode(pair.encode()).decode()}


def register(
    organisation: Organisation,
    *,
    scopes: str = "discover,publish,delete",
    name: str = "Catalogue sync",
    expires_days: int | None = None,
    key: Any = None,
) -> Registered:
    """A client registered through the service, with a secret or (given `key`) its public keys."""
    public = {"keys": [key.as_dict(private=False)]} if key is not None else None
    record, secret = create_client(
        ADMIN, organisation.slug, name=name, scopes=scopes, expires_days=expires_days, public_jwks=public
    )
    return Registered(record=record, secret=secret, key=key)


def new_key(kind: str = "RSA") -> Any:
    if kind == "EC":
        return ECKey.generate_key("P-256", private=True, auto_kid=True)
    return RSAKey.generate_key(2048, private=True, auto_kid=True)


def assertion(
    client_id: str,
    key: Any,
    audience: str,
    *,
    lifetime: int = 120,
    jti: str | None = "new",
    algorithm: str | None = None,
    kid: str | None = None,
    **claims: Any,
) -> str:
    """A client assertion (RFC 7523) signed with `key` (its header names `kid`, else the key's
    own); `jti="new"` makes a fresh one, None leaves it out; `claims` add to or replace the rest."""
    now = int(time.time())
    body: dict[str, Any] = {
        "iss": client_id,
        "sub": client_id,
        "aud": audience,
        "iat": now,
        "exp": now + lifetime,
    }
    if jti is not None:
        body["jti"] = uuid.uuid4().hex if jti == "new" else jti
    body.update(claims)
    algorithm = algorithm or ("ES256" if isinstance(key, ECKey) else "RS256")
    header = {"alg": algorithm, "kid": kid or key.kid} if (kid or key.kid) else {"alg": algorithm}
    return jwt.encode(header, body, key, algorithms=[algorithm])


def assertion_form(client_id: str, signed: str, **extra: str) -> dict[str, str]:
    return {
        "grant_type": "client_credentials",
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": signed,
        **extra,
    }


@pytest.fixture
def organisation(app: Flask) -> Organisation:
    return create_organisation()


@pytest.fixture
def other_organisation(app: Flask) -> Organisation:
    return create_organisation(
        slug="hm-revenue-and-customs", title="HM Revenue and Customs", abbreviation="HMRC"
    )


@pytest.fixture
def token_url(app: Flask) -> str:
    """The token endpoint as an assertion names it (its absolute address, from BASE_URL)."""
    return app.config["BASE_URL"] + "/oauth/token"
