"""The OpenID Connect client: GOV.UK One Login's flow, with every check it asks services to make.

Authlib does the protocol; this module sets it up the way One Login needs and fills the gaps
found in Authlib 1.9 (REFERENCE §C, §J): a `private_key_jwt` assertion with a `kid`, a fresh
`jti` and a 5-minute life; `iss`, `aud` and `vot` checked (Authlib checks only `iss` unless
told); a leeway of 30 s rather than 120 s; and a JWKS cache that honours `Cache-Control`
(Authlib keeps the first JWKS for ever). It works with any compliant provider: the embedded
one by default, One Login when `OIDC_ISSUER` names it.
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass
from typing import Any

from authlib.integrations.flask_client import FlaskIntegration, FlaskOAuth2App
from authlib.oauth2.rfc7523 import PrivateKeyJWT, private_key_jwt_sign
from flask import Flask, current_app, url_for
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

from marketplace.auth.keys import ALGORITHM, client_key

# One Login refuses assertions that live longer than 5 minutes.
ASSERTION_LIFETIME = 300
# Clock skew allowed on ID and logout tokens; Authlib's default of 120 s would accept a
# One Login ID token (which lives 120 s) for up to twice its life.
LEEWAY = 30
# How long to keep the provider's keys when it sends no Cache-Control max-age.
DEFAULT_JWKS_MAX_AGE = 300
# An unknown `kid` in a logout token (which anyone can POST) refetches the keys at most this often.
UNPROMPTED_REFETCH_INTERVAL = 30
ALLOWED_ALGORITHMS = ["ES256", "RS256"]
# One Login refuses requests without a User-Agent; this one says who is calling.
USER_AGENT = "DataMarketplace/0.1 (OpenID Connect client; +https://www.data-marketplace.gov.uk)"

_lock = threading.Lock()


class OneLoginPrivateKeyJWT(PrivateKeyJWT):
    """`private_key_jwt` as One Login requires: a `kid` header, a new `jti` each time
    (Authlib reuses one when given claims), and 5 minutes to live (Authlib's default is an hour)."""

    def sign(self, auth, token_endpoint: str) -> str:
        key = auth.client_secret
        return private_key_jwt_sign(
            key,
            client_id=auth.client_id,
            token_endpoint=token_endpoint,
            header={"kid": key.kid},
            alg=ALGORITHM,
            expires_in=ASSERTION_LIFETIME,
        )


class ProviderClient(FlaskOAuth2App):
    """Authlib's Flask client with a JWKS cache that expires as the provider's Cache-Control says."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._jwks: dict | None = None
        self._jwks_expires = 0.0
        self._jwks_fetched = 0.0
        self._jwks_lock = threading.Lock()

    def fetch_jwk_set(self, force: bool = False) -> dict:
        with self._jwks_lock:
            if self._jwks is not None and not force and time.monotonic() < self._jwks_expires:
                return self._jwks
            metadata = self.load_server_metadata()
            with self._get_session() as session:
                response = session.request("GET", metadata["jwks_uri"], withhold_token=True)
                response.raise_for_status()
                jwks = response.json()
            now = time.monotonic()
            self._jwks, self._jwks_fetched = jwks, now
            self._jwks_expires = now + _max_age(response.headers.get("Cache-Control", ""))
            return jwks

    def may_refetch_unprompted(self) -> bool:
        return time.monotonic() - self._jwks_fetched >= UNPROMPTED_REFETCH_INTERVAL


def _max_age(cache_control: str) -> int:
    if re.search(r"\b(no-store|no-cache)\b", cache_control):
        return 0
    match = re.search(r"\bmax-age=([0-9]+)", cache_control)
    if not match:
        return DEFAULT_JWKS_MAX_AGE
    digits = match.group(1)
    # Capped at a day; a longer run of digits is not parsed (int() refuses over 4,300 of them).
    return 86_400 if len(digits) > 5 else min(int(digits), 86_400)


@dataclass(frozen=True)
class ProviderSettings:
    issuer: str
    client_id: str
    scopes: str
    vtr: str
    timeout: int

    @property
    def accepted_vot(self) -> list[str]:
        """The `vot` values an ID token may carry: the vectors we asked for in `vtr`."""
        return json.loads(self.vtr)


def provider_settings(app: Flask | None = None) -> ProviderSettings:
    """Where and how to sign in, from configuration only. Without `OIDC_ISSUER` the issuer is the
    embedded provider at BASE_URL/dev-idp/ (production refuses to start without OIDC_ISSUER).

    Nothing here comes from the request: an issuer taken from the Host header let a forged Host
    send sign-in to another provider, whose ID tokens were then accepted."""
    app = app or current_app
    issuer = app.config["OIDC_ISSUER"] or (app.config["BASE_URL"] + "/dev-idp/")
    return ProviderSettings(
        issuer=issuer,
        client_id=app.config["OIDC_CLIENT_ID"],
        scopes=app.config["OIDC_SCOPES"],
        vtr=app.config["OIDC_VTR"],
        timeout=app.config["OIDC_HTTP_TIMEOUT"],
    )


def provider_client(settings: ProviderSettings) -> ProviderClient:
    """The Authlib client for the configured issuer, made once per app (and again only if the
    configuration names another issuer, as tests that serve on a fresh port do)."""
    app = current_app._get_current_object()
    clients: dict[str, ProviderClient] = app.extensions.setdefault("oidc_clients", {})
    client = clients.get(settings.issuer)
    if client is None:
        with _lock:
            client = clients.get(settings.issuer)
            if client is None:
                client = _make_client(settings, app)
                clients.clear()  # only ever one issuer is configured
                clients[settings.issuer] = client
    return client


def service_url(endpoint: str, **values: Any) -> str:
    """An absolute address of this service for the provider (redirect and post-logout URIs),
    built on BASE_URL rather than on the request's Host header."""
    return current_app.config["BASE_URL"] + url_for(endpoint, **values)


def _make_client(settings: ProviderSettings, app: Flask) -> ProviderClient:
    discovery = settings.issuer.rstrip("/") + "/.well-known/openid-configuration"
    return ProviderClient(
        FlaskIntegration("oidc"),
        "oidc",
        client_id=settings.client_id,
        client_secret=client_key(app),
        server_metadata_url=discovery,
        client_kwargs={
            "scope": settings.scopes,
            "code_challenge_method": "S256",
            "token_endpoint_auth_method": "private_key_jwt",
            "default_timeout": settings.timeout,
        },
        client_auth_methods=[OneLoginPrivateKeyJWT()],
        user_agent=USER_AGENT,
    )


def id_token_claims_options(settings: ProviderSettings) -> dict:
    """What the ID token must say. Built fresh per call: Authlib pops entries out of it."""
    return {
        "iss": {"essential": True, "values": [settings.issuer]},
        "aud": {"essential": True, "values": [settings.client_id]},
        "sub": {"essential": True},
        "exp": {"essential": True},
        "iat": {"essential": True},
        "vot": {"essential": True, "values": settings.accepted_vot},
    }


class LogoutTokenError(ValueError):
    """A back-channel logout token that fails a check; the message says which, for the log."""


BACKCHANNEL_EVENT = "http://schemas.openid.net/event/backchannel-logout"


def verify_logout_token(client: ProviderClient, settings: ProviderSettings, token: str) -> dict:
    """The claims of a valid back-channel `logout_token` (OpenID Back-Channel Logout 1.0 §2.6)."""
    registry = JWSRegistry(algorithms=ALLOWED_ALGORITHMS)
    try:
        try:
            decoded = jwt.decode(token, KeySet.import_key_set(client.fetch_jwk_set()), registry=registry)
        except InvalidKeyIdError:
            if not client.may_refetch_unprompted():
                raise
            decoded = jwt.decode(
                token, KeySet.import_key_set(client.fetch_jwk_set(force=True)), registry=registry
            )
        claims_registry = jwt.JWTClaimsRegistry(
            now=int(time.time()),
            leeway=LEEWAY,
            iss={"essential": True, "value": settings.issuer},
            aud={"essential": True, "value": settings.client_id},
            iat={"essential": True},
            exp={"essential": True},
            jti={"essential": True},
            sub={"essential": True},
        )
        claims_registry.validate(decoded.claims)
    except Exception as error:  # joserfc raises a family of errors; every one means "refuse"
        raise LogoutTokenError(f"{type(error).__name__}: {error}") from error
    claims = decoded.claims
    events = claims.get("events")
    if not isinstance(events, dict) or not isinstance(events.get(BACKCHANNEL_EVENT), dict):
        raise LogoutTokenError("events does not name back-channel logout")
    if "nonce" in claims:
        raise LogoutTokenError("a logout token must not carry a nonce")
    return claims
