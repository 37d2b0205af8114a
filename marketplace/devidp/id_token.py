"""ID tokens like One Login's, and the injected errors that each make one wrong in exactly one way."""

from __future__ import annotations

import base64
import json
import secrets
import time
from typing import Any

from authlib.oauth2 import OAuth2Request
from authlib.oidc.core.grants import OpenIDCode

from marketplace.devidp.state import AuthorizationCode, SignedInUser, current, issuer

ID_TOKEN_LIFETIME = 120
# Far enough from now that no client's clock-skew allowance covers it.
TIME_SHIFT = 600
WRONG_ISSUER = "https://wrong-issuer.dev-idp.invalid/"
WRONG_AUDIENCE = "some-other-client"


def signing_key(alg: str) -> Any:
    state = current()
    return state.keys.signing_key(alg, use_next=state.config()["keys"]["sign_with_next"])


def _injected() -> list[str]:
    return current().config()["errors"]["id_token"]


class OneLoginIDToken(OpenIDCode):
    def exists_nonce(self, nonce: str, request: OAuth2Request) -> bool:
        return False  # the client checks the nonce against its own session

    def get_client_algorithm(self, client: Any) -> str:
        return client.id_token_signing_alg

    def resolve_client_private_key(self, client: Any) -> Any:
        return signing_key(client.id_token_signing_alg)

    def get_encode_header(self, client: Any) -> dict[str, str]:
        alg = client.id_token_signing_alg
        return {"alg": alg, "kid": signing_key(alg).kid, "typ": "JWT"}

    def get_client_claims(self, client: Any) -> dict[str, Any]:
        errors = _injected()
        issued_at = int(time.time())
        if "TOKEN_EXPIRED" in errors:
            issued_at -= TIME_SHIFT
        elif "TOKEN_NOT_VALID_YET" in errors:
            issued_at += TIME_SHIFT
        return {
            "iss": WRONG_ISSUER if "INVALID_ISS" in errors else issuer(),
            # A string, as One Login sends it (and as RP-initiated logout needs to find the client).
            "aud": WRONG_AUDIENCE if "INVALID_AUD" in errors else client.client_id,
            "iat": issued_at,
            "exp": issued_at + ID_TOKEN_LIFETIME,
        }

    def get_authorization_code_claims(self, authorization_code: AuthorizationCode) -> dict[str, Any]:
        errors = _injected()
        claims = super().get_authorization_code_claims(authorization_code)
        if "NONCE_NOT_MATCHING" in errors:
            claims["nonce"] = secrets.token_urlsafe(24)
        vot = authorization_code.vot
        if "INCORRECT_VOT" in errors:
            vot = "Cl" if vot == "Cl.Cm" else "Cl.Cm"
        claims["vot"] = vot
        claims["vtm"] = issuer() + "trustmark"
        claims["sid"] = authorization_code.sid
        return claims

    def generate_user_info(self, user: SignedInUser, scope: str) -> dict[str, str]:
        # Merged into the ID token: One Login puts only `sub` there; the rest is at /userinfo.
        return {"sub": user.sub}

    def encode_id_token(self, token: dict[str, Any], request: OAuth2Request) -> str:
        id_token = super().encode_id_token(token, request)
        errors = _injected()
        if "INVALID_ALG_HEADER" in errors:
            id_token = _with_alg_header(id_token, "HS256")
        if "INVALID_SIGNATURE" in errors:
            id_token = _with_corrupt_signature(id_token)
        return id_token


def _b64decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _with_alg_header(compact: str, alg: str) -> str:
    """The same token, its header claiming `alg` instead of the algorithm that signed it."""
    header, payload, signature = compact.split(".")
    fields = json.loads(_b64decode(header))
    fields["alg"] = alg
    return ".".join((_b64encode(json.dumps(fields, separators=(",", ":")).encode()), payload, signature))


def _with_corrupt_signature(compact: str) -> str:
    """The same token with its signature's bytes flipped (same length, never valid)."""
    header, payload, signature = compact.split(".")
    corrupt = bytes(b ^ 0xFF for b in _b64decode(signature))
    return ".".join((header, payload, _b64encode(corrupt)))
