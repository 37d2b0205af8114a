"""The provider's state, in memory in the app behind one lock (the development server is one process).

It holds the configuration overrides set through `/dev-idp/config`, the signing keys, and what the
provider remembers between requests: sign-ins waiting for the user to pick who they are, codes,
access tokens, provider-side sessions, and the `jti` of every client assertion until it expires.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from authlib.oauth2.rfc6749 import TokenMixin
from authlib.oidc.core import AuthorizationCodeMixin
from flask import Flask, current_app

from marketplace.auth.keys import client_public_key_pem
from marketplace.devidp import settings
from marketplace.devidp.keys import ProviderKeys

CODE_LIFETIME = 60
ACCESS_TOKEN_LIFETIME = 180
PENDING_LIFETIME = 15 * 60
# Sessions end at logout; past this many, the oldest are forgotten (a long-running dev server).
MAX_SESSIONS = 10_000


@dataclass(frozen=True)
class SignedInUser:
    sub: str
    email: str
    phone_number: str | None = None


@dataclass
class AuthorizationCode(AuthorizationCodeMixin):
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    nonce: str
    code_challenge: str
    code_challenge_method: str
    vot: str
    sid: str
    auth_time: int
    user: SignedInUser
    expires_at: float
    # Access tokens issued for this code, revoked if the code is ever presented again.
    access_tokens: list[str] = field(default_factory=list)

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.auth_time

    def get_acr(self) -> None:
        return None

    def get_amr(self) -> None:
        return None


@dataclass
class AccessToken(TokenMixin):
    access_token: str
    client_id: str
    scope: str
    user: SignedInUser
    sid: str
    expires_at: float
    revoked: bool = False

    def check_client(self, client: Any) -> bool:
        return client.get_client_id() == self.client_id

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return ACCESS_TOKEN_LIFETIME

    def is_expired(self) -> bool:
        return time.time() >= self.expires_at

    def is_revoked(self) -> bool:
        return self.revoked

    def get_user(self) -> SignedInUser:
        return self.user

    def get_client(self) -> TokenClient:
        return TokenClient(self.client_id)


@dataclass(frozen=True)
class TokenClient:
    """The client an access token was issued to, as the userinfo endpoint needs to see it."""

    client_id: str
    client_metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PendingSignIn:
    """An authorization request validated at GET /authorize, waiting for the user to pick who they are."""

    uri: str
    params: dict[str, str]
    expires_at: float


@dataclass(frozen=True)
class Session:
    sid: str
    sub: str
    client_id: str
    auth_time: int


class ProviderState:
    def __init__(self, app: Flask) -> None:
        self.client_id: str = app.config["OIDC_CLIENT_ID"]
        self.keys = ProviderKeys()
        self._lock = threading.Lock()
        self._overrides: dict[str, Any] = {}
        self._pending: dict[str, PendingSignIn] = {}
        self._codes: dict[str, AuthorizationCode] = {}
        self._spent_codes: dict[str, AuthorizationCode] = {}
        self._tokens: dict[str, AccessToken] = {}
        self._sessions: dict[str, Session] = {}
        self._seen_jtis: dict[tuple[str, str], float] = {}
        self.jwks_cache: dict[str, tuple[float, dict]] = {}
        self._service_key_pem: str | None = None

    # -- configuration --

    def config(self) -> dict[str, Any]:
        """The effective configuration for the service at BASE_URL."""
        base = self._defaults()
        with self._lock:
            return settings.effective(base, self._overrides)

    def update_config(self, body: object) -> dict[str, Any]:
        """Apply a POST to /dev-idp/config: `reset` first, then each field given; all or nothing."""
        changes = settings.checked_changes(body)
        base = self._defaults()
        with self._lock:
            overrides = {} if isinstance(body, dict) and body.get("reset") else self._overrides
            overrides = settings.merge(overrides, changes)
            config = settings.effective(base, overrides)
            settings.check_consistent(config)
            self._overrides = overrides
            return config

    def _defaults(self) -> dict[str, Any]:
        if self._service_key_pem is None:
            # The service's own public key, so the service in this app is registered out of the box.
            self._service_key_pem = client_public_key_pem(current_app)
        return settings.defaults(origin(), self.client_id, self._service_key_pem)

    def user_for(self, email: str) -> SignedInUser:
        """Who signs in with `email`: the configured user's `sub` and phone when it is theirs."""
        config = self.config()
        configured = config["user"]
        if email.lower() == configured["email"].lower():
            return SignedInUser(configured["sub"], configured["email"].lower(), configured["phone_number"])
        return SignedInUser(settings.derive_sub(email), email.lower())

    # -- sign-ins waiting for the user --

    def remember_pending(self, uri: str, params: dict[str, str]) -> str:
        pending_id = secrets.token_urlsafe(24)
        with self._lock:
            _drop_expired(self._pending)
            self._pending[pending_id] = PendingSignIn(uri, params, time.time() + PENDING_LIFETIME)
        return pending_id

    def pending(self, pending_id: str) -> PendingSignIn | None:
        with self._lock:
            found = self._pending.get(pending_id)
            return found if found and found.expires_at > time.time() else None

    def take_pending(self, pending_id: str) -> PendingSignIn | None:
        with self._lock:
            found = self._pending.pop(pending_id, None)
            return found if found and found.expires_at > time.time() else None

    # -- codes, tokens and sessions --

    def save_code(self, code: AuthorizationCode) -> None:
        with self._lock:
            _drop_expired(self._codes)
            _drop_expired(self._spent_codes)
            self._codes[code.code] = code
            self._sessions[code.sid] = Session(code.sid, code.user.sub, code.client_id, code.auth_time)
            while len(self._sessions) > MAX_SESSIONS:
                del self._sessions[next(iter(self._sessions))]

    def take_code(self, code: str, client_id: str) -> AuthorizationCode | None:
        """A code can be presented once: the first presentation spends it, whatever happens next.
        Presenting a spent code again revokes the access tokens issued for it (RFC 6749 §4.1.2)."""
        with self._lock:
            spent = self._spent_codes.get(code)
            if spent is not None:
                for token in spent.access_tokens:
                    if token in self._tokens:
                        self._tokens[token].revoked = True
                return None
            found = self._codes.pop(code, None)
            if found is None:
                return None
            self._spent_codes[code] = found
            if found.client_id != client_id or found.expires_at <= time.time():
                return None
            return found

    def age_code(self, code: str, seconds: float) -> None:
        """Move a code's expiry `seconds` earlier (for tests of expired codes)."""
        with self._lock:
            self._codes[code].expires_at -= seconds

    def save_token(self, token: AccessToken, code: AuthorizationCode) -> None:
        with self._lock:
            _drop_expired(self._tokens)
            self._tokens[token.access_token] = token
            code.access_tokens.append(token.access_token)

    def find_token(self, access_token: str) -> AccessToken | None:
        with self._lock:
            return self._tokens.get(access_token)

    def end_sessions(self, sub: str) -> list[Session]:
        """End every provider session of `sub` and revoke its access tokens; return the sessions ended."""
        with self._lock:
            ended = [s for s in self._sessions.values() if s.sub == sub]
            for session in ended:
                del self._sessions[session.sid]
            for token in self._tokens.values():
                if token.user.sub == sub:
                    token.revoked = True
            return ended

    def remember_jti(self, client_id: str, jti: str, expires_at: float) -> bool:
        """Record a client assertion's `jti`; False if it was seen before (until it expires)."""
        now = time.time()
        with self._lock:
            self._seen_jtis = {k: v for k, v in self._seen_jtis.items() if v > now}
            if (client_id, jti) in self._seen_jtis:
                return False
            # Kept a minute past expiry: the assertion check allows that much clock skew.
            self._seen_jtis[(client_id, jti)] = max(expires_at, now) + 60
            return True


def current() -> ProviderState:
    return current_app.extensions["devidp"]


def origin() -> str:
    """Where the service lives (BASE_URL, no trailing slash). Never the request's Host header:
    a forged Host must not move the issuer, the client's addresses or where logout is sent."""
    return current_app.config["BASE_URL"]


def issuer() -> str:
    """Like One Login's, the issuer ends with a slash: BASE_URL/dev-idp/."""
    return origin() + "/dev-idp/"


def _drop_expired(store: dict[str, Any]) -> None:
    now = time.time()
    for key in [k for k, v in store.items() if v.expires_at <= now]:
        del store[key]
