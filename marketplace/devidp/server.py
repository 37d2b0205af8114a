"""The Authlib authorization server behind `/dev-idp`, held to GOV.UK One Login's rules.

Stricter than Authlib's defaults where One Login is: `state`, `nonce` and PKCE S256 are required,
`vtr` must name known vectors, the token endpoint takes only `private_key_jwt` (with a short-lived
assertion and a `jti` never seen before), and a code is spent the first time it is presented.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import requests
from authlib.common.security import generate_token
from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2 import OAuth2Error, OAuth2Request
from authlib.oauth2.rfc6749 import (
    AccessDeniedError,
    ClientMixin,
    InvalidClientError,
    InvalidRequestError,
    InvalidScopeError,
    scope_to_list,
)
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from authlib.oauth2.rfc7523 import JWTBearerClientAssertion
from authlib.oauth2.rfc7636 import CodeChallenge
from flask import Flask
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import GuestProtocol, Key, KeySet

from marketplace.devidp import settings
from marketplace.devidp.endpoints import EndSession, UserInfo, userinfo_protector
from marketplace.devidp.id_token import OneLoginIDToken
from marketplace.devidp.state import (
    ACCESS_TOKEN_LIFETIME,
    CODE_LIFETIME,
    AccessToken,
    AuthorizationCode,
    current,
    issuer,
)

SCOPES = ("openid", "email", "phone")
CREDENTIAL_TRUST = ("Cl", "Cl.Cm")  # lowest first
LEVELS_OF_CONFIDENCE = ("P0", "P1", "P2")
DEFAULT_VOT = "Cl.Cm"
VTR_SUPPORTED = ("Cl", "Cl.Cm", "P0.Cl", "P0.Cl.Cm", "P1.Cl.Cm", "P2.Cl.Cm")
ASSERTION_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256")
ASSERTION_MAX_LIFETIME = 300
JWKS_CACHE_SECONDS = 60
HTTP_TIMEOUT = 5


class TemporarilyUnavailableError(OAuth2Error):
    error = "temporarily_unavailable"
    description = "The sign-in service is temporarily unavailable"


@dataclass(frozen=True)
class Client(ClientMixin):
    """The one registered client, as `/dev-idp/config` describes it for this request."""

    client_id: str
    redirect_uris: list[str]
    post_logout_redirect_uris: list[str]
    backchannel_logout_uri: str | None
    public_key_pem: str | None
    jwks_uri: str | None
    id_token_signing_alg: str
    client_metadata: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Client:
        return cls(
            **config, client_metadata={"post_logout_redirect_uris": config["post_logout_redirect_uris"]}
        )

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> None:
        return None  # One Login requires redirect_uri on every request

    def get_allowed_scope(self, scope: str | None) -> str | None:
        allowed = [s for s in scope_to_list(scope) or [] if s in SCOPES]
        return " ".join(allowed) or None

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return False

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method == PrivateKeyJWT.CLIENT_AUTH_METHOD if endpoint == "token" else True

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "authorization_code"


def query_client(client_id: str | None) -> Client | None:
    config = current().config()["client"]
    return Client.from_config(config) if client_id and client_id == config["client_id"] else None


def vot_from_vtr(vtr: str | None) -> str:
    """The credential trust to sign in with (`vot`), from a `vtr` parameter like `["Cl.Cm"]`."""
    if vtr is None:
        return DEFAULT_VOT
    try:
        vectors = json.loads(vtr)
    except ValueError:
        vectors = None
    if not isinstance(vectors, list) or not all(isinstance(v, str) for v in vectors):
        raise InvalidRequestError("Request vtr not valid: it must be a JSON array of vectors.")
    if not vectors:
        return DEFAULT_VOT
    parsed = [_parse_vector(vector) for vector in vectors]
    identity = [loc for _, loc in parsed if loc in ("P1", "P2")]
    if identity and len(identity) < len(parsed):
        raise InvalidRequestError("Request vtr not valid: identity and non-identity vectors are mixed.")
    return min((trust for trust, _ in parsed), key=CREDENTIAL_TRUST.index)


def _parse_vector(vector: str) -> tuple[str, str | None]:
    parts = vector.split(".")
    trust = ".".join(sorted(p for p in parts if p.startswith("C")))
    levels = [p for p in parts if p.startswith("P")]
    unknown = [p for p in parts if not p.startswith(("C", "P"))]
    if unknown or trust not in CREDENTIAL_TRUST or len(levels) > 1:
        # (The vector itself stays out of the description: it may hold characters OAuth forbids there.)
        raise InvalidRequestError("Request vtr not valid: it names an unknown vector.")
    level = levels[0] if levels else None
    if level is not None and level not in LEVELS_OF_CONFIDENCE:
        raise InvalidRequestError("Request vtr not valid: it names an unknown level of confidence.")
    if level in ("P1", "P2") and trust != "Cl.Cm":
        raise InvalidRequestError("Request vtr not valid: identity needs Cl.Cm credential trust.")
    return trust, level


class OneLoginCodeGrant(AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["private_key_jwt"]
    vot = DEFAULT_VOT

    def validate_authorization_request(self) -> str:
        redirect_uri = super().validate_authorization_request()
        try:
            self._validate_one_login_rules()
        except OAuth2Error as error:
            error.redirect_uri = redirect_uri
            raise
        return redirect_uri

    def _validate_one_login_rules(self) -> None:
        data = self.request.payload.data
        if not data.get("state"):
            raise InvalidRequestError("Request is missing state parameter.")
        if "openid" not in (scope_to_list(self.request.payload.scope) or []):
            raise InvalidScopeError("The scope must include openid.")
        self.vot = vot_from_vtr(data.get("vtr"))
        injected = current().config()["errors"]["authorize"]
        if "ACCESS_DENIED" in injected:
            raise AccessDeniedError("Access denied by resource owner or authorization server")
        if "TEMPORARILY_UNAVAILABLE" in injected:
            raise TemporarilyUnavailableError()

    def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
        data = request.payload.data
        now = int(time.time())
        current().save_code(
            AuthorizationCode(
                code=code,
                client_id=request.client.client_id,
                redirect_uri=request.payload.redirect_uri,
                scope=request.scope,
                nonce=data["nonce"],
                code_challenge=data["code_challenge"],
                code_challenge_method=data["code_challenge_method"],
                vot=self.vot,
                sid=secrets.token_urlsafe(24),  # a new session id for every sign-in
                auth_time=now,
                user=request.user,
                expires_at=now + CODE_LIFETIME,
            )
        )

    def query_authorization_code(self, code: str, client: Client) -> AuthorizationCode | None:
        return current().take_code(code, client.client_id)

    def delete_authorization_code(self, authorization_code: AuthorizationCode) -> None:
        """Nothing to do: the code was spent when it was presented."""

    def authenticate_user(self, authorization_code: AuthorizationCode) -> Any:
        return authorization_code.user


class S256CodeChallenge(CodeChallenge):
    """PKCE as One Login has it: required for every client, and S256 only."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]

    def validate_code_challenge(self, grant: OneLoginCodeGrant, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("Missing code_challenge: PKCE with S256 is required.")
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("The code_challenge_method must be S256.")
        super().validate_code_challenge(grant, redirect_uri)

    def validate_code_verifier(self, grant: OneLoginCodeGrant, result: Any) -> None:
        if not grant.request.form.get("code_verifier"):
            raise InvalidRequestError("Missing code_verifier.")
        super().validate_code_verifier(grant, result)


class PrivateKeyJWT(JWTBearerClientAssertion):
    """Client authentication by a JWT signed with the client's key, checked as One Login checks it."""

    CLIENT_AUTH_METHOD = "private_key_jwt"

    def get_audiences(self) -> list[str]:
        return [issuer() + "token"]

    def resolve_client_public_key(self, client: Client) -> Key | Any:
        if client.jwks_uri:
            return partial(_key_from_jwks_uri, client.jwks_uri)
        return settings.public_key_from_pem(client.public_key_pem or "")

    def process_assertion_claims(self, assertion: str, resolve_key: Any) -> dict[str, Any]:
        try:
            token = jwt.decode(assertion, resolve_key, algorithms=list(ASSERTION_ALGORITHMS))
        except (JoseError, ValueError) as error:
            raise InvalidClientError(
                description="The client assertion's signature does not verify."
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
        issued_at = claims.get("iat", time.time())
        if not isinstance(issued_at, int | float) or claims["exp"] - issued_at > ASSERTION_MAX_LIFETIME:
            raise InvalidClientError(description="The client assertion must expire within 5 minutes of iat.")
        if not isinstance(claims["jti"], str) or not self.validate_jti(claims, claims["jti"]):
            raise InvalidClientError(description="The client assertion's jti has been used before.")

    def validate_jti(self, claims: dict[str, Any], jti: str) -> bool:
        return current().remember_jti(claims["sub"], jti, claims["exp"])


def _key_from_jwks_uri(uri: str, token: GuestProtocol) -> Key:
    """The key the assertion names by `kid`, from the client's JWKS (fetched again once if unknown)."""
    kid = token.headers().get("kid")
    for refresh in (False, True):
        keys = _fetch_jwks(uri, refresh=refresh)
        try:
            return keys.get_by_kid(kid)
        except JoseError:
            continue
    raise InvalidClientError(description="No key at the client's jwks_uri matches the assertion's kid.")


def _fetch_jwks(uri: str, *, refresh: bool) -> KeySet:
    cache = current().jwks_cache
    cached = cache.get(uri)
    if cached and not refresh and cached[0] > time.time():
        return KeySet.import_key_set(cached[1])
    try:
        response = requests.get(uri, timeout=HTTP_TIMEOUT, headers={"User-Agent": "marketplace-dev-idp"})
        response.raise_for_status()
        document = response.json()
        keys = KeySet.import_key_set(document)
    except (requests.RequestException, ValueError, KeyError, TypeError, JoseError) as error:
        raise InvalidClientError(
            description="Could not fetch the client's JWKS from its jwks_uri."
        ) from error
    cache[uri] = (time.time() + JWKS_CACHE_SECONDS, document)
    return keys


class StoredAuthorizationRequest(OAuth2Request):
    """An authorization request kept while the user picks who they are, replayed when they do."""

    def __init__(self, uri: str, params: dict[str, str]) -> None:
        super().__init__("GET", uri)
        self.payload = BasicOAuth2Payload(params)

    @property
    def args(self) -> dict[str, str]:
        return self.payload.data

    @property
    def form(self) -> dict[str, str]:
        return {}


class ProviderServer(AuthorizationServer):
    def create_oauth2_request(self, request: Any) -> OAuth2Request:
        if isinstance(request, OAuth2Request):
            return request
        return super().create_oauth2_request(request)


def save_token(token: dict[str, Any], request: OAuth2Request) -> None:
    code = request.authorization_code
    access_token = AccessToken(
        access_token=token["access_token"],
        client_id=request.client.client_id,
        scope=token.get("scope", code.scope),
        user=request.user,
        sid=code.sid,
        expires_at=time.time() + token["expires_in"],
    )
    current().save_token(access_token, code)


def make_server(app: Flask) -> ProviderServer:
    server = ProviderServer(app, query_client=query_client, save_token=save_token)
    server.scopes_supported = list(SCOPES)
    server.register_token_generator(
        "default",
        BearerTokenGenerator(
            access_token_generator=lambda **_: generate_token(42),
            expires_generator=lambda client, grant_type: ACCESS_TOKEN_LIFETIME,
        ),
    )
    server.register_client_auth_method(PrivateKeyJWT.CLIENT_AUTH_METHOD, PrivateKeyJWT())
    server.register_grant(OneLoginCodeGrant, [OneLoginIDToken(require_nonce=True), S256CodeChallenge()])
    server.register_endpoint(UserInfo(resource_protector=userinfo_protector()))
    server.register_endpoint(EndSession)
    return server
