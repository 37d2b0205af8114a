"""The Authlib authorization server for machine clients: OAuth 2.0 client credentials only.

A client authenticates with its secret (HTTP Basic or in the form) or with a JWT signed by its
own key (`private_key_jwt`, RFC 7523), and gets a short-lived bearer token from
services.api_clients, which stores it hashed. Stricter than Authlib's defaults where it matters:
a scope nobody knows is refused rather than dropped, each method only for the clients it fits,
and an assertion must name this server, expire within 5 minutes and carry a `jti` never seen
before (kept in the database, so a replay to another worker is refused too).
"""

from __future__ import annotations

import binascii
import logging
import re
import time
from base64 import b64decode
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2 import OAuth2Error, OAuth2Request
from authlib.oauth2.rfc6749 import (
    ClientMixin,
    InvalidClientError,
    InvalidRequestError,
    InvalidScopeError,
    scope_to_list,
)
from authlib.oauth2.rfc6749.grants import ClientCredentialsGrant
from authlib.oauth2.rfc7523 import JWTBearerClientAssertion
from flask import Flask, Response, current_app
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from marketplace.services import api_clients

if TYPE_CHECKING:
    from marketplace.models import ApiClient

log = logging.getLogger(__name__)

SECRET_METHODS = ("client_secret_basic", "client_secret_post")
KEY_METHOD = "private_key_jwt"
AUTH_METHODS = [*SECRET_METHODS, KEY_METHOD]
GRANT_TYPE = "client_credentials"
# Asymmetric only: with an HMAC algorithm a public key would be used as a shared secret.
ASSERTION_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512")
ASSERTION_MAX_LIFETIME = 300  # seconds from now to the assertion's exp, at most
ASSERTION_LEEWAY = 30  # clock skew allowed on exp, nbf and iat
MAX_JTI_LENGTH = 255  # the column's size
TOKEN_PATHS = ("/oauth/token", "/ClientAuth/get-token")
# What a client_id, sub or jti may be before it goes near the database (no NUL, no control text).
_PRINTABLE = re.compile(r"[\x21-\x7e]+")
# Parameters that must not come twice (RFC 6749 §3.2: "Request and response parameters MUST NOT
# be included more than once").
SINGLE_PARAMETERS = (
    "grant_type",
    "scope",
    "client_id",
    "client_secret",
    "client_assertion",
    "client_assertion_type",
)


def issuer() -> str:
    """This server's issuer identifier: BASE_URL, never the request's Host header."""
    return current_app.config["BASE_URL"]


def token_endpoint() -> str:
    return issuer() + TOKEN_PATHS[0]


@dataclass(frozen=True)
class Client(ClientMixin):
    """An ApiClient as Authlib sees it."""

    record: ApiClient

    def get_client_id(self) -> str:
        return self.record.client_id

    def get_default_redirect_uri(self) -> None:
        return None  # no authorization endpoint

    def get_allowed_scope(self, scope: str | None) -> str:
        """The scopes asked for that the client holds (all it holds when it asks for none), in
        the order of api_clients.SCOPES; the grant refuses unknown ones before this is asked."""
        held = self.record.scope_set
        asked = set(scope_to_list(scope) or held)
        return " ".join(name for name in api_clients.SCOPES if name in asked & held)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return False

    def check_client_secret(self, client_secret: str) -> bool:
        if not self.record.secret_hash:
            raise InvalidClientError(
                status_code=401,
                description="This client has no secret: it authenticates with private_key_jwt.",
            )
        return api_clients.check_client_secret(self.record, client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        """Asked once the client has proved itself by `method`; so only the holder of its
        credentials learns that it is revoked or expired."""
        if endpoint != "token":
            return False
        if method in SECRET_METHODS:
            allowed = bool(self.record.secret_hash)
        else:
            allowed = method == KEY_METHOD and bool(self.record.public_jwks)
        if allowed and not self.record.is_active():
            raise InvalidClientError(
                status_code=401 if method == "client_secret_basic" else 400,
                description="This API client is revoked or has expired: register a new one.",
            )
        return allowed

    def check_response_type(self, response_type: str) -> bool:
        return False

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == GRANT_TYPE


def query_client(client_id: Any) -> Client | None:
    if not isinstance(client_id, str) or len(client_id) > 64 or not _PRINTABLE.fullmatch(client_id):
        return None
    record = api_clients.find_client(client_id)
    # find_client also takes the row's id, which is not a client_id.
    return Client(record) if record is not None and record.client_id == client_id else None


def save_token(token: dict[str, Any], request: OAuth2Request) -> None:
    """Nothing to do: generate_token stored the token (hashed) when it made it."""


def generate_token(
    grant_type: str,
    client: Client,
    user: Any = None,
    scope: str | None = None,
    expires_in: int | None = None,
    include_refresh_token: bool = False,
) -> dict[str, Any]:
    """RFC 6749 §5.1's answer, with a token from services.api_clients (no refresh token: the
    client asks again with its credentials)."""
    granted = client.get_allowed_scope(scope)
    access_token, lifetime = api_clients.issue_access_token(client.record, granted.split())
    log.info("client token issued", extra={"client_id": client.record.client_id, "scope": granted})
    return {"access_token": access_token, "token_type": "Bearer", "expires_in": lifetime, "scope": granted}


class UnsupportedGrantError(OAuth2Error):
    error = "unsupported_grant_type"
    description = "Only grant_type=client_credentials is supported here."


class MachineClientGrant(ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS

    def validate_requested_scope(self) -> None:
        asked = scope_to_list(self.request.payload.scope) or []
        if any(name not in api_clients.SCOPES for name in asked):
            # The unknown name stays out of the description: it may hold characters OAuth forbids there.
            raise InvalidScopeError(
                f"The scope names one this server does not know: ask for {', '.join(api_clients.SCOPES)}."
            )
        if asked and not self.client.get_allowed_scope(" ".join(asked)):
            held = ", ".join(name for name in api_clients.SCOPES if name in self.client.record.scope_set)
            raise InvalidScopeError(f"This client does not hold the scope it asked for; it holds: {held}.")


class PrivateKeyJWT(JWTBearerClientAssertion):
    """Client authentication by a JWT signed with a key in the client's registered JWK Set."""

    CLIENT_AUTH_METHOD = KEY_METHOD

    def __init__(self) -> None:
        super().__init__(leeway=ASSERTION_LEEWAY)

    def get_audiences(self) -> list[str]:
        return [issuer() + path for path in TOKEN_PATHS] + [issuer()]

    def resolve_client_public_key(self, client: Client) -> KeySet:
        if not client.record.public_jwks:
            raise InvalidClientError(
                description="This client has no registered keys: it authenticates with its secret."
            )
        return KeySet.import_key_set(client.record.public_jwks)

    def process_assertion_claims(self, assertion: str, resolve_key: Any) -> dict[str, Any]:
        try:
            token = jwt.decode(assertion, resolve_key, algorithms=list(ASSERTION_ALGORITHMS))
        except (JoseError, ValueError) as error:
            raise InvalidClientError(
                description="The client assertion's signature does not verify with the client's keys."
            ) from error
        self.verify_claims(token.claims)
        return token.claims

    def verify_claims(self, claims: dict[str, Any]) -> None:
        registry = jwt.JWTClaimsRegistry(
            leeway=self.leeway,
            iss={"essential": True},
            sub={"essential": True},
            aud={"essential": True, "values": self.get_audiences()},
            exp={"essential": True},
            jti={"essential": True},
        )
        try:
            registry.validate(claims)
        except JoseError as error:
            description = f"The client assertion is not valid: {error.description}".replace('"', "'")
            raise InvalidClientError(description=description) from error
        if claims["sub"] != claims["iss"]:
            raise InvalidClientError(
                description="The client assertion's iss and sub must both be the client id."
            )
        if claims["exp"] > time.time() + ASSERTION_MAX_LIFETIME + self.leeway:
            raise InvalidClientError(description="The client assertion must expire within 5 minutes.")
        jti = claims["jti"]
        if not isinstance(jti, str) or len(jti) > MAX_JTI_LENGTH or not _PRINTABLE.fullmatch(jti):
            raise InvalidClientError(
                description=f"The client assertion's jti must be 1 to {MAX_JTI_LENGTH} printable characters."
            )
        if not self.validate_jti(claims, jti):
            raise InvalidClientError(description="The client assertion's jti has been used before.")

    def validate_jti(self, claims: dict[str, Any], jti: str) -> bool:
        client = api_clients.find_client(claims["sub"])
        if client is None:  # pragma: no cover (the client was found a moment ago)
            return False
        # Kept until the assertion could no longer be accepted, leeway included.
        expires_at = datetime.fromtimestamp(claims["exp"] + self.leeway, tz=UTC)
        return api_clients.spend_assertion(client, jti, expires_at)


class MachineClientServer(AuthorizationServer):
    def create_token_response(self, request: Any = None) -> Response:
        """Authlib's, with the request's shape checked first (a missing grant_type is
        invalid_request, not an unsupported grant) and every error as RFC 6749 §5.2 JSON."""
        try:
            oauth_request = self.create_oauth2_request(request)
            _check_request_shape(oauth_request)
        except OAuth2Error as error:
            return self.handle_error_response(None, error)
        return super().create_token_response(request)

    def handle_error_response(self, request: Any, error: OAuth2Error) -> Response:
        log.info("client token refused: %s", error.error, extra={"oauth_error": error.error})
        return super().handle_error_response(request, error)


def _check_request_shape(request: OAuth2Request) -> None:
    form = request.form
    repeated = [name for name in SINGLE_PARAMETERS if len(form.getlist(name)) > 1]
    if repeated:
        raise InvalidRequestError(f"Send each parameter once: {', '.join(repeated)} came more than once.")
    if not form.get("grant_type"):
        raise InvalidRequestError(
            "The request is missing grant_type: send grant_type=client_credentials "
            "as application/x-www-form-urlencoded."
        )
    if form["grant_type"] != GRANT_TYPE:
        # Authlib's own error would repeat the value, which may hold characters OAuth forbids there.
        raise UnsupportedGrantError()
    authorization = request.headers.get("Authorization", "")
    scheme, _, credentials = authorization.strip().partition(" ")
    if scheme.lower() == "basic":
        try:
            b64decode(credentials.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError, ValueError) as error:
            raise InvalidClientError(
                status_code=401,
                description="The Authorization header is not Basic credentials: base64 of client_id:secret.",
            ) from error


def make_server(app: Flask) -> MachineClientServer:
    server = MachineClientServer(app, query_client=query_client, save_token=save_token)
    server.scopes_supported = list(api_clients.SCOPES)
    server.register_token_generator("default", generate_token)
    server.register_client_auth_method(PrivateKeyJWT.CLIENT_AUTH_METHOD, PrivateKeyJWT())
    server.register_grant(MachineClientGrant)
    return server
