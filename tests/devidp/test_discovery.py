"""Discovery, JWKS and key rotation, and the provider being absent when it is switched off."""

from __future__ import annotations

import requests

from tests.conftest import make_app
from tests.devidp.oidc_client import unverified


def test_discovery_describes_a_one_login_shaped_provider_at_this_origin(rp):
    document = requests.get(rp.issuer + ".well-known/openid-configuration", timeout=10).json()
    assert document["issuer"] == rp.issuer and rp.issuer.endswith("/dev-idp/")
    assert document["authorization_endpoint"] == rp.issuer + "authorize"
    assert document["token_endpoint"] == rp.issuer + "token"
    assert document["userinfo_endpoint"] == rp.issuer + "userinfo"
    assert document["jwks_uri"] == rp.issuer + ".well-known/jwks.json"
    assert document["end_session_endpoint"] == rp.issuer + "logout"
    assert document["backchannel_logout_supported"] is True
    assert document["scopes_supported"] == ["openid", "email", "phone"]
    assert document["response_types_supported"] == ["code"]
    assert document["token_endpoint_auth_methods_supported"] == ["private_key_jwt"]
    assert document["id_token_signing_alg_values_supported"] == ["ES256", "RS256"]
    assert document["code_challenge_methods_supported"] == ["S256"]
    assert document["ui_locales_supported"] == ["en", "cy"]
    assert {"sub", "email", "email_verified", "phone_number"} <= set(document["claims_supported"])
    assert {"Cl", "Cl.Cm", "P2.Cl.Cm"} <= set(document["vtr_values_supported"])


def test_jwks_publishes_one_public_key_per_algorithm_with_a_cache_lifetime(rp):
    response = requests.get(rp.issuer + ".well-known/jwks.json", timeout=10)
    assert response.status_code == 200
    assert "max-age=" in response.headers["Cache-Control"]
    keys = response.json()["keys"]
    assert sorted((k["kty"], k["alg"]) for k in keys) == [("EC", "ES256"), ("RSA", "RS256")]
    assert all(k["kid"] and k["use"] == "sig" for k in keys)
    assert not any(private in k for k in keys for private in ("d", "p", "q"))


def test_rotation_publishes_the_next_key_first_then_signs_with_it(rp):
    _, tokens = rp.sign_in()
    old_kid = _kid(tokens["id_token"])

    rp.configure(keys={"publish_next": True})
    published = [k["kid"] for k in rp.jwks().as_dict()["keys"] if k["alg"] == "ES256"]
    assert len(published) == 2 and old_kid in published
    _, tokens = rp.sign_in()
    assert _kid(tokens["id_token"]) == old_kid  # published, not yet used

    rp.configure(keys={"sign_with_next": True})
    _, tokens = rp.sign_in()
    new_kid = _kid(tokens["id_token"])
    assert new_kid != old_kid and new_kid in published
    assert rp.verified_claims(tokens["id_token"])["aud"] == rp.client_id


def test_signing_with_a_key_that_is_not_published_is_refused(rp):
    response = requests.post(rp.issuer + "config", json={"keys": {"sign_with_next": True}}, timeout=10)
    assert response.status_code == 400
    assert "keys.sign_with_next" in response.json()["errors"]


def test_reset_stops_publishing_the_next_key_but_keeps_the_current_one(rp):
    before = {k["kid"] for k in rp.jwks().as_dict()["keys"]}
    rp.configure(keys={"publish_next": True, "sign_with_next": True})
    rp.configure(reset=True)
    assert {k["kid"] for k in rp.jwks().as_dict()["keys"]} == before


def test_every_provider_route_is_absent_when_the_provider_is_off(database_url, tmp_path):
    app = make_app(database_url, tmp_path, MARKETPLACE_DEV_IDP=False)
    client = app.test_client()
    for path in (
        "/dev-idp/.well-known/openid-configuration",
        "/dev-idp/.well-known/jwks.json",
        "/dev-idp/authorize",
        "/dev-idp/userinfo",
        "/dev-idp/logout",
        "/dev-idp/config",
    ):
        assert client.get(path).status_code == 404, path
    for path in ("/dev-idp/token", "/dev-idp/config", "/dev-idp/sessions/end"):
        assert client.post(path, json={}).status_code == 404, path
    assert "devidp" not in app.blueprints


def _kid(token: str) -> str:
    return unverified(token)[0]["kid"]
