"""What `/dev-idp/config` reads and writes: the defaults, the checks on a POST, and merging.

The state keeps only what a POST set explicitly (`overrides`); the effective configuration is the
defaults for the service's BASE_URL with the overrides laid over them. So the default client
registration follows the configured address, and `{"reset": true}` simply forgets the overrides.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import re
from typing import Any
from urllib.parse import urlsplit

from joserfc.jwk import ECKey, RSAKey

from marketplace.errors import BadRequestError

AUTHORIZE_ERRORS = ("ACCESS_DENIED", "TEMPORARILY_UNAVAILABLE")
ID_TOKEN_ERRORS = (
    "INVALID_ISS",
    "INVALID_AUD",
    "INVALID_ALG_HEADER",
    "INVALID_SIGNATURE",
    "TOKEN_EXPIRED",
    "TOKEN_NOT_VALID_YET",
    "NONCE_NOT_MATCHING",
    "INCORRECT_VOT",
)
ID_TOKEN_ALGORITHMS = ("ES256", "RS256")
DEFAULT_EMAIL = "analyst@dft.gov.uk"

# One Login's pairwise subject identifiers look like this; ours are derived from the e-mail address
# with a fixed salt, so the same person keeps the same `sub` across restarts.
SUB_PREFIX = "urn:fdc:gov.uk:2022:"
_SUB_SALT = b"marketplace-dev-idp:sub:v1:"

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9][0-9 ]{6,19}$")

SHAPE: dict[str, dict[str, str] | str] = {
    "interactive": "bool",
    "user": {"email": "email", "sub": "sub", "phone_number": "phone"},
    "client": {
        "client_id": "text",
        "redirect_uris": "urls",
        "post_logout_redirect_uris": "urls",
        "backchannel_logout_uri": "url?",
        "public_key_pem": "pem?",
        "jwks_uri": "url?",
        "id_token_signing_alg": "alg",
    },
    "errors": {"authorize": "authorize_errors", "id_token": "id_token_errors"},
    "keys": {"publish_next": "bool", "sign_with_next": "bool"},
}


def derive_sub(email: str) -> str:
    """A stable One Login-shaped pairwise `sub` for an e-mail address (43 base64url characters)."""
    digest = hashlib.sha256(_SUB_SALT + email.strip().lower().encode()).digest()
    return SUB_PREFIX + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def is_email(value: object) -> bool:
    return isinstance(value, str) and len(value) <= 254 and bool(_EMAIL.match(value))


def defaults(origin: str, client_id: str, service_public_key_pem: str) -> dict[str, Any]:
    """The configuration `reset` restores, for a service served at `origin` (no trailing slash)."""
    return {
        "interactive": True,
        "user": {"email": DEFAULT_EMAIL, "sub": None, "phone_number": None},
        "client": {
            "client_id": client_id,
            "redirect_uris": [f"{origin}/auth/callback"],
            "post_logout_redirect_uris": [f"{origin}/signed-out", f"{origin}/"],
            "backchannel_logout_uri": f"{origin}/auth/backchannel-logout",
            "public_key_pem": service_public_key_pem,
            "jwks_uri": None,
            "id_token_signing_alg": "ES256",
        },
        "errors": {"authorize": [], "id_token": []},
        "keys": {"publish_next": False, "sign_with_next": False},
    }


def effective(base: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """The defaults with the overrides laid over them, and the user's `sub` filled in."""
    config = merge(base, overrides)
    user = config["user"]
    if not user["sub"]:
        user["sub"] = derive_sub(user["email"])
    return config


def merge(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def checked_changes(body: object) -> dict[str, Any]:
    """The POSTed changes, each checked against its type; raises BadRequestError naming each field."""
    if not isinstance(body, dict):
        raise BadRequestError("Send a JSON object.", {"_schema": ["Must be a JSON object."]})
    errors: dict[str, list[str]] = {}
    changes: dict[str, Any] = {}
    for key, value in body.items():
        if key == "reset":
            if value is not True:
                errors["reset"] = ["Must be true, or left out."]
            continue
        if key not in SHAPE:
            errors[key] = ["Unknown field."]
            continue
        kind = SHAPE[key]
        if isinstance(kind, str):
            _check(key, kind, value, errors)
            changes[key] = value
            continue
        if not isinstance(value, dict):
            errors[key] = ["Must be a JSON object."]
            continue
        changes[key] = {}
        for name, item in value.items():
            if name not in kind:
                errors[f"{key}.{name}"] = ["Unknown field."]
                continue
            _check(f"{key}.{name}", kind[name], item, errors)
            changes[key][name] = item
    if errors:
        raise BadRequestError("Check these fields: " + ", ".join(sorted(errors)) + ".", errors)
    return changes


def check_consistent(config: dict[str, Any]) -> None:
    """Rules that span fields, checked on the configuration a POST would produce."""
    errors: dict[str, list[str]] = {}
    client = config["client"]
    if not client["public_key_pem"] and not client["jwks_uri"]:
        errors["client.public_key_pem"] = ["Give the client's public key, or a jwks_uri to fetch it from."]
    if not client["redirect_uris"]:
        errors["client.redirect_uris"] = ["Register at least one redirect URI."]
    if config["keys"]["sign_with_next"] and not config["keys"]["publish_next"]:
        errors["keys.sign_with_next"] = ["Publish the next key (publish_next) before signing with it."]
    if errors:
        raise BadRequestError("Check these fields: " + ", ".join(sorted(errors)) + ".", errors)


def _check(field: str, kind: str, value: object, errors: dict[str, list[str]]) -> None:
    message = _problem(kind, value)
    if message:
        errors[field] = [message]


def _problem(kind: str, value: object) -> str | None:
    if kind == "bool":
        return None if isinstance(value, bool) else "Must be true or false."
    if kind == "email":
        return None if is_email(value) else "Must be an e-mail address, like name@department.gov.uk."
    if kind == "sub":
        ok = value is None or (isinstance(value, str) and 0 < len(value) <= 255 and value.isprintable())
        return (
            None if ok else "Must be a string of 1 to 255 characters, or null to derive it from the e-mail."
        )
    if kind == "phone":
        ok = value is None or (isinstance(value, str) and bool(_PHONE.match(value)))
        return None if ok else "Must be a telephone number like +447700900123, or null."
    if kind == "text":
        ok = isinstance(value, str) and 0 < len(value) <= 255 and value.isprintable()
        return None if ok else "Must be a string of 1 to 255 characters."
    if kind == "urls":
        if not isinstance(value, list) or not all(_is_url(item) for item in value):
            return "Must be a list of absolute http or https URLs without fragments."
        return None
    if kind == "url?":
        return None if value is None or _is_url(value) else "Must be an absolute http or https URL, or null."
    if kind == "pem?":
        return None if value is None else _pem_problem(value)
    if kind == "alg":
        return None if value in ID_TOKEN_ALGORITHMS else f"Must be one of {', '.join(ID_TOKEN_ALGORITHMS)}."
    known = AUTHORIZE_ERRORS if kind == "authorize_errors" else ID_TOKEN_ERRORS
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        return "Must be a list of error names."
    unknown = [item for item in value if item not in known]
    if unknown:
        return f"Unknown error names: {', '.join(unknown)}. Known: {', '.join(known)}."
    return None


def _is_url(value: object) -> bool:
    if not isinstance(value, str) or len(value) > 2000 or not value.isprintable():
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme in {"http", "https"} and bool(parts.hostname) and not parts.fragment


def public_key_from_pem(pem: str) -> RSAKey | ECKey:
    """The RSA or EC key in `pem`; raises ValueError when it is neither."""
    for key_type in (RSAKey, ECKey):
        try:
            return key_type.import_key(pem.encode())
        except Exception:  # joserfc and cryptography raise several types for text that is not a key
            continue
    raise ValueError("not an RSA or EC key in PEM form")


def _pem_problem(value: object) -> str | None:
    if not isinstance(value, str) or "-----BEGIN" not in value:
        return "Must be a PEM-encoded public key (-----BEGIN PUBLIC KEY-----), or null."
    try:
        key = public_key_from_pem(value)
    except ValueError:
        return "Is not a readable RSA or EC public key in PEM form."
    if key.is_private:
        return "Is a private key: give the public half only."
    return None
