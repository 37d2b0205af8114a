"""The service's own signing key, with which it proves who it is to the sign-in provider.

One Login authenticates services by `private_key_jwt`: the service signs a short assertion with
an RSA key whose public half the provider holds (registered, or fetched from the service's
`/.well-known/jwks.json`). The key comes from `OIDC_PRIVATE_KEY` (PEM text or a path to a PEM
file); in development one is generated once into the instance folder, so a restart keeps it
and the embedded provider can be given its public half (tests make one per app, in memory).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from flask import Flask, current_app
from joserfc.jwk import RSAKey

from marketplace.config import ConfigError

KEY_FILE = "oidc_client_key.pem"
# One Login asks for RSA keys of 2048 bits.
KEY_SIZE = 2048
ALGORITHM = "RS256"

_lock = threading.Lock()


def client_key(app: Flask | None = None) -> RSAKey:
    """The private key (with `kid`, `use` and `alg` set), loaded or made once per app."""
    app = app or current_app._get_current_object()
    key = app.extensions.get("oidc_client_key")
    if key is None:
        with _lock:
            key = app.extensions.get("oidc_client_key")
            if key is None:
                key = _load_or_make(app)
                app.extensions["oidc_client_key"] = key
    return key


def client_public_jwks(app: Flask | None = None) -> dict:
    """The JWKS document served at `/.well-known/jwks.json`: the public half only."""
    return {"keys": [client_key(app).as_dict(private=False)]}


def client_public_key_pem(app: Flask | None = None) -> str:
    return client_key(app).as_pem(private=False).decode()


def _load_or_make(app: Flask) -> RSAKey:
    configured = app.config.get("OIDC_PRIVATE_KEY", "").strip()
    if configured:
        return _with_kid(_import(_read_pem(configured)))
    if app.config["MARKETPLACE_ENV"] == "production":
        raise ConfigError("Set OIDC_PRIVATE_KEY (a PEM RSA private key, or a path to one) to sign in.")
    if app.config["MARKETPLACE_ENV"] != "development":
        # Tests: a key per app, in memory, so no test writes into a developer's instance folder.
        return _with_kid(RSAKey.generate_key(KEY_SIZE, private=True))
    path = Path(app.instance_path) / KEY_FILE
    if path.exists():
        return _with_kid(_import(path.read_bytes()))
    key = RSAKey.generate_key(KEY_SIZE, private=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written with owner-only permissions from the start: it is a private key.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(key.as_pem(private=True))
    return _with_kid(key)


def _read_pem(configured: str) -> bytes:
    if configured.startswith("-----BEGIN"):
        # Environment variables often carry PEM text with literal "\n" for line breaks.
        return configured.replace("\\n", "\n").encode()
    path = Path(configured)
    if not path.is_file():
        raise ConfigError("OIDC_PRIVATE_KEY must be PEM text or the path of a PEM file.")
    return path.read_bytes()


def _import(pem: bytes) -> RSAKey:
    try:
        key = RSAKey.import_key(pem)
    except Exception as error:  # joserfc and cryptography raise several types for bad PEM
        raise ConfigError(f"OIDC_PRIVATE_KEY is not an RSA private key: {type(error).__name__}") from error
    if not key.is_private:
        raise ConfigError("OIDC_PRIVATE_KEY holds a public key; the service needs its private key.")
    return key


def _with_kid(key: RSAKey) -> RSAKey:
    # The kid is the key's RFC 7638 thumbprint: stable for the key, different for the next one.
    return RSAKey.import_key(
        key.as_pem(private=True), {"kid": key.thumbprint(), "use": "sig", "alg": ALGORITHM}
    )
