"""A One Login-shaped client played by hand, for testing the embedded provider over real HTTP:
authorize URLs with state, nonce and PKCE, `private_key_jwt` assertions signed with joserfc, and
ID token checks against the provider's JWKS."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from flask import Flask
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from marketplace.auth.keys import client_key

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
TIMEOUT = 10


def query(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


@dataclass
class Flow:
    """One sign-in's secrets, as the client keeps them in its session."""

    state: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    nonce: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    verifier: str = ""
    challenge: str = ""

    def __post_init__(self) -> None:
        self.verifier, self.challenge = pkce_pair()


class OneLoginClient:
    def __init__(self, base: str, app: Flask) -> None:
        self.base = base
        self.issuer = f"{base}/dev-idp/"
        self.client_id = app.config["OIDC_CLIENT_ID"]
        self.key: RSAKey = client_key(app)
        self.redirect_uri = f"{base}/auth/callback"

    # -- authorize --

    def authorize_params(self, flow: Flow, **overrides: Any) -> dict[str, Any]:
        params = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "scope": "openid email",
            "state": flow.state,
            "nonce": flow.nonce,
            "vtr": '["Cl.Cm"]',
            "ui_locales": "en",
            "code_challenge": flow.challenge,
            "code_challenge_method": "S256",
        }
        params.update(overrides)
        return {key: value for key, value in params.items() if value is not None}

    def authorize(self, flow: Flow, *, session: requests.Session | None = None, **overrides: Any):
        """GET /authorize without following the redirect back."""
        getter = session or requests
        return getter.get(
            self.issuer + "authorize",
            params=self.authorize_params(flow, **overrides),
            allow_redirects=False,
            timeout=TIMEOUT,
        )

    def code_for(self, flow: Flow, **overrides: Any) -> str:
        """A code from a non-interactive sign-in (the provider must be set to interactive: false)."""
        response = self.authorize(flow, **overrides)
        assert response.status_code == 302, response.text
        back = query(response.headers["Location"])
        assert back["state"] == flow.state and "error" not in back, back
        return back["code"]

    # -- token --

    def assertion(self, *, key: RSAKey | None = None, **claims: Any) -> str:
        key = key or self.key
        now = int(time.time())
        body = {
            "iss": self.client_id,
            "sub": self.client_id,
            "aud": self.issuer + "token",
            "iat": now,
            "exp": now + 300,
            "jti": secrets.token_urlsafe(16),
        }
        body.update(claims)
        body = {name: value for name, value in body.items() if value is not None}
        return jwt.encode({"alg": "RS256", "kid": key.kid}, body, key)

    def token_request(
        self, code: str, verifier: str | None, *, assertion: str | None = None, headers=None, **fields: Any
    ) -> requests.Response:
        data = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self.redirect_uri,
            "code_verifier": verifier,
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": assertion or self.assertion(),
        }
        data.update(fields)
        data = {name: value for name, value in data.items() if value is not None}
        return requests.post(self.issuer + "token", data=data, headers=headers, timeout=TIMEOUT)

    def sign_in(self, **overrides: Any) -> tuple[Flow, dict[str, Any]]:
        """A whole non-interactive sign-in: the flow's secrets and the token response."""
        flow = Flow()
        code = self.code_for(flow, **overrides)
        response = self.token_request(code, flow.verifier)
        assert response.status_code == 200, response.text
        return flow, response.json()

    # -- checking what the provider sends --

    def jwks(self) -> KeySet:
        response = requests.get(self.issuer + ".well-known/jwks.json", timeout=TIMEOUT)
        assert response.status_code == 200
        return KeySet.import_key_set(response.json())

    def verified_claims(self, token: str) -> dict[str, Any]:
        return dict(jwt.decode(token, self.jwks(), algorithms=["ES256", "RS256"]).claims)

    def configure(self, **settings: Any) -> dict[str, Any]:
        response = requests.post(self.issuer + "config", json=settings, timeout=TIMEOUT)
        assert response.status_code == 200, response.text
        return response.json()


def unverified(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A JWT's header and claims, read without checking anything (to see what is wrong with it)."""
    header, payload, _ = token.split(".")
    return _json_part(header), _json_part(payload)


def _json_part(part: str) -> dict[str, Any]:
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
