"""A production configuration that starts: every setting production insists on, and nothing else.

Tests that check what production refuses start from this and take one thing away."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from joserfc.jwk import RSAKey

ISSUER = "https://oidc.integration.account.gov.uk/"
SECRET = "3c5a0f6e9b2d4c7a8e1f0b3d6a9c2e5f7b4d1a8c"


@cache
def private_key_pem() -> str:
    """One RSA key for the run (making one costs tens of milliseconds)."""
    return RSAKey.generate_key(2048, private=True).as_pem(private=True).decode()


def production_settings(tmp_path: Path, base_url: str = "https://data.example.gov.uk", **overrides: Any):
    """Configuration for `create_app` in production, with its database and index under `tmp_path`."""
    return {
        "MARKETPLACE_ENV": "production",
        "SECRET_KEY": SECRET,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'marketplace.db'}",
        "SEARCH_INDEX_DIR": str(tmp_path / "search-index"),
        "OIDC_ISSUER": ISSUER,
        "OIDC_PRIVATE_KEY": private_key_pem(),
        "BASE_URL": base_url,
        **overrides,
    }


def production_environment(base_url: str, **overrides: str) -> dict[str, str]:
    """The same as environment variables, for a process (gunicorn, a command) started by a test."""
    return {
        "MARKETPLACE_ENV": "production",
        "SECRET_KEY": SECRET,
        "OIDC_ISSUER": ISSUER,
        "OIDC_PRIVATE_KEY": private_key_pem(),
        "BASE_URL": base_url,
        **overrides,
    }
