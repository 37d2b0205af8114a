"""private_key_jwt (RFC 7523 §2.2): a client proves itself with a JWT signed by its own key, real
keys made with joserfc. The assertion must name this server, expire within 5 minutes and carry a
jti never used before; each client uses only the method it was registered for."""

from __future__ import annotations

import time

import pytest
from joserfc.jwk import OctKey
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.models import ApiClientAssertion, ApiClientToken
from marketplace.services.api_clients import revoke_client
from tests.factories import ADMIN
from tests.oauth.conftest import TOKEN_PATHS, assertion, assertion_form, new_key, register
from tests.oauth.test_client_secret import assert_oauth_error, token_request


def tokens_issued() -> int:
    return db.session.scalar(select(func.count()).select_from(ApiClientToken))


@pytest.mark.parametrize("kind", ["RSA", "EC"])
@pytest.mark.parametrize("path", TOKEN_PATHS)
def test_a_signed_assertion_gets_a_token(client, app, organisation, kind, path):
    registered = register(organisation, scopes="discover,publish", key=new_key(kind))
    assert registered.secret is None
    signed = assertion(registered.client_id, registered.key, app.config["BASE_URL"] + path)
    body = token_request(
        client, path, status=200, data=assertion_form(registered.client_id, signed)
    ).get_json()
    assert body["token_type"] == "Bearer" and body["scope"] == "discover publish"
    assert tokens_issued() == 1


@pytest.mark.parametrize("audience", ["/oauth/token", "/ClientAuth/get-token", ""])
def test_either_token_endpoints_address_or_the_issuer_is_a_good_audience(client, app, organisation, audience):
    registered = register(organisation, key=new_key())
    signed = assertion(registered.client_id, registered.key, app.config["BASE_URL"] + audience)
    token_request(client, status=200, data=assertion_form(registered.client_id, signed))


def test_the_audience_may_be_a_list_that_names_this_server(client, organisation, token_url):
    registered = register(organisation, key=new_key())
    signed = assertion(registered.client_id, registered.key, [token_url, "https://elsewhere.example/"])
    token_request(client, status=200, data=assertion_form(registered.client_id, signed))


def test_a_replayed_assertion_is_refused(client, organisation, token_url):
    registered = register(organisation, key=new_key())
    signed = assertion(registered.client_id, registered.key, token_url)
    form = assertion_form(registered.client_id, signed)
    token_request(client, status=200, data=form)
    response = token_request(client, "/ClientAuth/get-token", status=400, data=form)
    assert_oauth_error(response, "invalid_client", mentions="jti has been used before")
    assert tokens_issued() == 1


def test_a_new_assertion_with_a_spent_jti_is_refused(client, organisation, token_url):
    registered = register(organisation, key=new_key())
    first = assertion(registered.client_id, registered.key, token_url, jti="run-1")
    token_request(client, status=200, data=assertion_form(registered.client_id, first))
    second = assertion(registered.client_id, registered.key, token_url, jti="run-1", lifetime=200)
    response = token_request(client, status=400, data=assertion_form(registered.client_id, second))
    assert_oauth_error(response, "invalid_client", mentions="used before")


def test_the_spent_jti_is_kept_until_the_assertion_could_no_longer_be_used(client, organisation, token_url):
    registered = register(organisation, key=new_key())
    signed = assertion(registered.client_id, registered.key, token_url, lifetime=120)
    token_request(client, status=200, data=assertion_form(registered.client_id, signed))
    spent = db.session.scalar(select(ApiClientAssertion))
    assert spent.client_id == registered.record.id
    assert time.time() + 120 <= spent.expires_at.timestamp() <= time.time() + 120 + 60


def test_another_client_may_use_the_same_jti(client, organisation, token_url):
    first, second = register(organisation, key=new_key()), register(organisation, key=new_key())
    for registered in (first, second):
        signed = assertion(registered.client_id, registered.key, token_url, jti="shared")
        token_request(client, status=200, data=assertion_form(registered.client_id, signed))


def test_an_expired_assertion_is_refused(client, organisation, token_url):
    registered = register(organisation, key=new_key())
    now = int(time.time())
    signed = assertion(registered.client_id, registered.key, token_url, iat=now - 400, exp=now - 120)
    response = token_request(client, status=400, data=assertion_form(registered.client_id, signed))
    assert_oauth_error(response, "invalid_client", mentions="expired")


def test_an_assertion_that_lives_longer_than_5_minutes_is_refused(client, organisation, token_url):
    registered = register(organisation, key=new_key())
    now = int(time.time())
    # An iat in the future does not stretch it: what counts is how far exp is from now.
    signed = assertion(registered.client_id, registered.key, token_url, iat=now + 20, exp=now + 900)
    response = token_request(client, status=400, data=assertion_form(registered.client_id, signed))
    assert_oauth_error(response, "invalid_client", mentions="within 5 minutes")


def test_an_assertion_not_yet_valid_is_refused(client, organisation, token_url):
    registered = register(organisation, key=new_key())
    signed = assertion(registered.client_id, registered.key, token_url, nbf=int(time.time()) + 200)
    response = token_request(client, status=400, data=assertion_form(registered.client_id, signed))
    assert_oauth_error(response, "invalid_client", mentions="not yet valid")


@pytest.mark.parametrize(
    "audience",
    ["https://elsewhere.example/oauth/token", "/oauth/token", "http://localhost/oauth/token", None],
)
def test_an_assertion_for_another_audience_is_refused(client, app, organisation, audience):
    registered = register(organisation, key=new_key())
    claims = {} if audience else {"aud": None}
    signed = assertion(registered.client_id, registered.key, audience or "", **claims)
    response = token_request(client, status=400, data=assertion_form(registered.client_id, signed))
    assert_oauth_error(response, "invalid_client", mentions="aud")
    assert tokens_issued() == 0


def test_an_assertion_signed_by_another_key_is_refused(client, organisation, token_url):
    registered = register(organisation, key=new_key())
    impostor = new_key()
    signed = assertion(registered.client_id, impostor, token_url)
    response = token_request(client, status=400, data=assertion_form(registered.client_id, signed))
    assert_oauth_error(response, "invalid_client", mentions="does not verify")
    # Even with the registered key's kid in its header.
    signed = assertion(registered.client_id, impostor, token_url, kid=registered.key.kid)
    response = token_request(client, status=400, data=assertion_form(registered.client_id, signed))
    assert_oauth_error(response, "invalid_client", mentions="does not verify")


def test_a_symmetric_algorithm_is_refused(client, organisation, token_url):
    registered = register(organisation, key=new_key())
    key = OctKey.import_key("a-shared-secret-of-enough-length-for-hs256")
    signed = assertion(registered.client_id, key, token_url, algorithm="HS256")
    response = token_request(client, status=400, data=assertion_form(registered.client_id, signed))
    assert_oauth_error(response, "invalid_client")


def test_an_assertion_without_a_jti_is_refused(client, organisation, token_url):
    registered = register(organisation, key=new_key())
    signed = assertion(registered.client_id, registered.key, token_url, jti=None)
    response = token_request(client, status=400, data=assertion_form(registered.client_id, signed))
    assert_oauth_error(response, "invalid_client", mentions="jti")


@pytest.mark.parametrize("jti", ["", "x" * 256, 12345, "a\x00b", "caf\u00e9"])
def test_a_jti_that_cannot_be_kept_is_refused(client, organisation, token_url, jti):
    registered = register(organisation, key=new_key())
    signed = assertion(registered.client_id, registered.key, token_url, jti=jti)
    response = token_request(client, status=400, data=assertion_form(registered.client_id, signed))
    assert_oauth_error(response, "invalid_client", mentions="jti")
    assert db.session.scalar(select(ApiClientAssertion)) is None


def test_iss_and_sub_must_both_be_the_client(client, organisation, token_url):
    registered = register(organisation, key=new_key())
    signed = assertion(registered.client_id, registered.key, token_url, iss="someone-else")
    response = token_request(client, status=400, data=assertion_form(registered.client_id, signed))
    assert_oauth_error(response, "invalid_client", mentions="iss and sub")


@pytest.mark.parametrize("sub", ["dmc_unknown", None])
def test_an_assertion_for_an_unknown_or_missing_client_is_refused(client, organisation, token_url, sub):
    registered = register(organisation, key=new_key())
    signed = assertion(registered.client_id, registered.key, token_url, sub=sub, iss=sub)
    response = token_request(client, status=400, data=assertion_form(registered.client_id, signed))
    assert_oauth_error(response, "invalid_client")


@pytest.mark.parametrize("value", ["not-a-jwt", "a.b.c", "e30.e30.e30"])
def test_a_malformed_assertion_is_refused(client, organisation, value):
    register(organisation, key=new_key())
    response = token_request(client, status=400, data=assertion_form("x", value))
    assert_oauth_error(response, "invalid_client")


def test_a_secret_client_cannot_use_private_key_jwt(client, organisation, token_url):
    registered = register(organisation)  # with a secret
    signed = assertion(registered.client_id, new_key(), token_url)
    response = token_request(client, status=400, data=assertion_form(registered.client_id, signed))
    assert_oauth_error(response, "invalid_client", mentions="authenticates with its secret")


def test_a_key_client_cannot_use_a_secret(client, organisation):
    registered = register(organisation, key=new_key())
    response = token_request(
        client, status=401, data={"grant_type": "client_credentials"}, headers=registered.basic(secret="x")
    )
    assert_oauth_error(response, "invalid_client", mentions="private_key_jwt")
    form = {"grant_type": "client_credentials", "client_id": registered.client_id, "client_secret": "x"}
    assert_oauth_error(token_request(client, status=401, data=form), "invalid_client")


def test_a_revoked_key_client_is_refused_after_proving_itself(client, organisation, token_url):
    registered = register(organisation, key=new_key())
    revoke_client(ADMIN, registered.client_id)
    signed = assertion(registered.client_id, registered.key, token_url)
    response = token_request(client, status=400, data=assertion_form(registered.client_id, signed))
    assert_oauth_error(response, "invalid_client", mentions="revoked")
    assert tokens_issued() == 0
