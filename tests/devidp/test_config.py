"""GET|POST /dev-idp/config: the shape DESIGN §6 gives, partial updates, reset, and refusals."""

from __future__ import annotations

import pytest
import requests
from joserfc.jwk import ECKey, RSAKey

from marketplace.auth.keys import client_public_key_pem
from marketplace.devidp.settings import derive_sub


def _post(rp, body, **kwargs) -> requests.Response:
    return requests.post(rp.issuer + "config", json=body, timeout=10, **kwargs)


def test_the_defaults_register_the_service_itself_at_this_origin(app, rp):
    rp.configure(reset=True)
    config = requests.get(rp.issuer + "config", timeout=10).json()
    assert config == {
        "interactive": True,
        "user": {
            "email": "analyst@dft.gov.uk",
            "sub": derive_sub("analyst@dft.gov.uk"),
            "phone_number": None,
        },
        "client": {
            "client_id": app.config["OIDC_CLIENT_ID"],
            "redirect_uris": [f"{rp.base}/auth/callback"],
            "post_logout_redirect_uris": [f"{rp.base}/signed-out", f"{rp.base}/"],
            "backchannel_logout_uri": f"{rp.base}/auth/backchannel-logout",
            "public_key_pem": client_public_key_pem(app),
            "jwks_uri": None,
            "id_token_signing_alg": "ES256",
        },
        "errors": {"authorize": [], "id_token": []},
        "keys": {"publish_next": False, "sign_with_next": False},
    }


def test_the_default_registration_follows_base_url_whatever_host_the_request_came_to(rp):
    localhost = rp.base.replace("127.0.0.1", "localhost")
    config = requests.get(localhost + "/dev-idp/config", timeout=10).json()
    assert config["client"]["redirect_uris"] == [f"{rp.base}/auth/callback"]
    assert config["client"]["backchannel_logout_uri"] == f"{rp.base}/auth/backchannel-logout"
    discovery = requests.get(localhost + "/dev-idp/.well-known/openid-configuration", timeout=10).json()
    assert discovery["issuer"] == f"{rp.base}/dev-idp/"


def test_keys_left_out_of_a_post_keep_their_value(rp):
    rp.configure(
        user={"email": "first@dft.gov.uk", "phone_number": "+447700900123"},
        errors={"authorize": ["ACCESS_DENIED"]},
    )
    config = rp.configure(user={"email": "second@dft.gov.uk"})
    assert config["user"] == {
        "email": "second@dft.gov.uk",
        "sub": derive_sub("second@dft.gov.uk"),  # derived again from the new address
        "phone_number": "+447700900123",
    }
    assert config["errors"] == {"authorize": ["ACCESS_DENIED"], "id_token": []}
    assert config["interactive"] is False


def test_a_given_sub_is_used_until_set_back_to_null(rp):
    config = rp.configure(user={"sub": "urn:fdc:gov.uk:2022:fixed"})
    assert config["user"]["sub"] == "urn:fdc:gov.uk:2022:fixed"
    _, tokens = rp.sign_in()
    assert rp.verified_claims(tokens["id_token"])["sub"] == "urn:fdc:gov.uk:2022:fixed"
    assert rp.configure(user={"sub": None})["user"]["sub"] == derive_sub("analyst@dft.gov.uk")


def test_explicit_lists_are_used_as_given(rp):
    config = rp.configure(
        client={"redirect_uris": ["https://service.example/callback"], "post_logout_redirect_uris": []}
    )
    assert config["client"]["redirect_uris"] == ["https://service.example/callback"]
    assert config["client"]["post_logout_redirect_uris"] == []
    assert config["client"]["backchannel_logout_uri"] == f"{rp.base}/auth/backchannel-logout"


def test_reset_restores_every_default(rp):
    defaults = rp.configure(reset=True)
    rp.configure(
        interactive=True,
        user={"email": "x@dft.gov.uk"},
        client={"id_token_signing_alg": "RS256", "backchannel_logout_uri": None},
        errors={"id_token": ["INVALID_ISS"]},
        keys={"publish_next": True},
    )
    assert rp.configure(reset=True) == defaults


def test_reset_and_changes_in_one_post_apply_the_changes_to_the_defaults(rp):
    rp.configure(errors={"id_token": ["INVALID_AUD"]})
    config = rp.configure(reset=True, interactive=False)
    assert config["interactive"] is False and config["errors"]["id_token"] == []


_PRIVATE_PEM = RSAKey.generate_key(2048, private=True).as_pem(private=True).decode()
_EC_PUBLIC_PEM = ECKey.generate_key("P-256", private=True).as_pem(private=False).decode()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"colour": "blue"}, "colour"),
        ({"interactive": "yes"}, "interactive"),
        ({"reset": False}, "reset"),
        ({"user": "someone"}, "user"),
        ({"user": {"email": "not an address"}}, "user.email"),
        ({"user": {"name": "Ann"}}, "user.name"),
        ({"user": {"phone_number": "call me"}}, "user.phone_number"),
        ({"user": {"sub": ""}}, "user.sub"),
        ({"client": {"client_id": ""}}, "client.client_id"),
        ({"client": {"redirect_uris": "https://service.example/cb"}}, "client.redirect_uris"),
        ({"client": {"redirect_uris": ["/relative"]}}, "client.redirect_uris"),
        ({"client": {"redirect_uris": ["javascript:alert(1)"]}}, "client.redirect_uris"),
        ({"client": {"redirect_uris": []}}, "client.redirect_uris"),
        ({"client": {"post_logout_redirect_uris": ["ftp://x.example/"]}}, "client.post_logout_redirect_uris"),
        ({"client": {"backchannel_logout_uri": "not a url"}}, "client.backchannel_logout_uri"),
        ({"client": {"jwks_uri": "https://x.example/jwks#frag"}}, "client.jwks_uri"),
        (
            {"client": {"public_key_pem": "-----BEGIN PUBLIC KEY-----\nnonsense\n-----END PUBLIC KEY-----"}},
            "client.public_key_pem",
        ),
        ({"client": {"public_key_pem": _PRIVATE_PEM}}, "client.public_key_pem"),
        ({"client": {"public_key_pem": None}}, "client.public_key_pem"),
        ({"client": {"id_token_signing_alg": "HS256"}}, "client.id_token_signing_alg"),
        ({"errors": {"authorize": ["INVALID_ISS"]}}, "errors.authorize"),
        ({"errors": {"id_token": ["WRONG_EVERYTHING"]}}, "errors.id_token"),
        ({"errors": {"id_token": "INVALID_ISS"}}, "errors.id_token"),
        ({"keys": {"publish_next": 1}}, "keys.publish_next"),
        ({"keys": {"rotate": True}}, "keys.rotate"),
        ([], "_schema"),
    ],
)
def test_invalid_configuration_is_refused_as_problem_json_naming_the_field(rp, body, field):
    before = requests.get(rp.issuer + "config", timeout=10).json()
    response = _post(rp, body)
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 400 and field in problem["errors"], problem
    assert requests.get(rp.issuer + "config", timeout=10).json() == before


def test_a_body_that_is_not_json_is_refused(rp):
    response = requests.post(rp.issuer + "config", data="interactive=false", timeout=10)
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/problem+json"


def test_an_ec_public_key_or_a_jwks_uri_can_be_registered(rp):
    config = rp.configure(client={"public_key_pem": _EC_PUBLIC_PEM})
    assert config["client"]["public_key_pem"] == _EC_PUBLIC_PEM
    config = rp.configure(client={"public_key_pem": None, "jwks_uri": "https://service.example/jwks.json"})
    assert config["client"]["jwks_uri"] == "https://service.example/jwks.json"
