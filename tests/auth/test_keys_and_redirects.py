"""The service's signing key (made once in development, loaded from OIDC_PRIVATE_KEY otherwise,
refused when wrong), its published JWKS, and the `next` paths sign-in may return to."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from joserfc.jwk import ECKey, RSAKey

from marketplace import create_app
from marketplace.auth.keys import KEY_FILE, client_key, client_public_jwks
from marketplace.auth.redirects import DEFAULT_NEXT, safe_next
from marketplace.config import ConfigError
from tests.conftest import make_app
from tests.production import production_settings


def _development(app, instance: Path):
    # A development app keeps its key in its instance folder; point that at a temporary one.
    app.config["MARKETPLACE_ENV"] = "development"
    app.instance_path = str(instance)
    return app


def test_a_development_key_is_made_once_kept_private_and_reused(database_url, tmp_path):
    first = _development(make_app(database_url, tmp_path), tmp_path)
    key = client_key(first)
    path = Path(first.instance_path) / KEY_FILE
    assert path.exists()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = _development(make_app(database_url, tmp_path), tmp_path)
    assert client_key(again).kid == key.kid
    assert key.kid == key.thumbprint()
    assert client_key(again).raw_value.key_size == 2048


def test_the_jwks_document_publishes_only_the_public_half(client, app):
    response = client.get("/.well-known/jwks.json")
    assert response.status_code == 200
    assert "max-age" in response.headers["Cache-Control"]
    (published,) = response.get_json()["keys"]
    assert published == client_public_jwks(app)["keys"][0]
    assert {"kid", "kty", "n", "e", "use", "alg"} <= set(published)
    assert not {"d", "p", "q", "dp", "dq", "qi"} & set(published)


def test_a_configured_key_is_read_from_pem_text_or_a_path(database_url, tmp_path):
    pem = RSAKey.generate_key(2048, private=True).as_pem(private=True).decode()
    from_text = make_app(database_url, tmp_path, OIDC_PRIVATE_KEY=pem.replace("\n", "\\n"))
    path = tmp_path / "key.pem"
    path.write_text(pem)
    from_path = _development(make_app(database_url, tmp_path, OIDC_PRIVATE_KEY=str(path)), tmp_path / "b")
    assert client_key(from_text).kid == client_key(from_path).kid
    assert not (Path(from_path.instance_path) / KEY_FILE).exists()


@pytest.mark.parametrize(
    "configured",
    [
        "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----",
        "/no/such/file.pem",
        "public",
        "ec",
    ],
)
def test_a_wrong_key_is_refused_with_a_clear_error(database_url, tmp_path, configured):
    if configured == "public":
        configured = RSAKey.generate_key(2048, private=True).as_pem(private=False).decode()
    if configured == "ec":
        configured = ECKey.generate_key("P-256", private=True).as_pem(private=True).decode()
    app = make_app(database_url, tmp_path, OIDC_PRIVATE_KEY=configured)
    with pytest.raises(ConfigError, match="OIDC_PRIVATE_KEY"):
        client_key(app)


def test_production_needs_a_private_key_to_sign_in_with_a_real_provider(tmp_path):
    with pytest.raises(ConfigError, match="OIDC_PRIVATE_KEY"):
        create_app(production_settings(tmp_path, OIDC_PRIVATE_KEY=""))


@pytest.mark.parametrize("key", ["SESSION_IDLE_MINUTES", "SESSION_ABSOLUTE_HOURS"])
def test_session_limits_must_be_positive(database_url, tmp_path, key):
    with pytest.raises(ConfigError, match=key):
        make_app(database_url, tmp_path, **{key: 0})


def test_session_cookies_are_http_only_lax_and_secure_in_production(database_url, tmp_path):
    app = make_app(database_url, tmp_path)
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["SESSION_COOKIE_SECURE"] is False  # tests and development run on http://
    production = create_app(production_settings(tmp_path))
    assert production.config["SESSION_COOKIE_SECURE"] is True
    assert production.config["PERMANENT_SESSION_LIFETIME"] == 12 * 3600


@pytest.mark.parametrize(
    "value",
    ["/datasets?q=roads", "/account/tokens", "/publish/datasets/a-b/edit#x"],
)
def test_next_may_be_any_path_on_this_site(value):
    assert safe_next(value) == value


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "https://evil.example/",
        "//evil.example/path",
        "/\\evil.example",
        "\\\\evil.example",
        "/\t/evil.example",
        "javascript:alert(1)",
        "datasets",
        "/" + "a" * 2001,
        "/\x00",
    ],
)
def test_next_refuses_anything_that_could_leave_the_site(value):
    assert safe_next(value) == DEFAULT_NEXT
