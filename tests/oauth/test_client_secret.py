"""POST /oauth/token and /ClientAuth/get-token with a client secret (HTTP Basic or in the form):
RFC 6749 §5.1 answers for good requests, §5.2 error bodies for every bad one."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import ApiClient, ApiClientToken
from marketplace.models.types import utcnow
from marketplace.services.api_clients import hash_secret, revoke_client
from tests.factories import ADMIN
from tests.oauth.conftest import TOKEN_PATHS, register

CLIENT_CREDENTIALS = {"grant_type": "client_credentials"}


def token_request(client, path: str = "/oauth/token", *, status: int, **kwargs):
    response = client.post(path, **kwargs)
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    assert response.mimetype == "application/json"
    return response


def assert_oauth_error(response, error: str, *, mentions: str = "") -> dict:
    """An RFC 6749 §5.2 body: `error`, and an `error_description` a person can act on."""
    body = response.get_json()
    assert body["error"] == error, body
    assert body["error_description"], body
    assert mentions.lower() in body["error_description"].lower(), body
    return body


@pytest.mark.parametrize("path", TOKEN_PATHS)
def test_basic_auth_gets_a_bearer_token_with_every_scope_the_client_holds(client, organisation, path):
    registered = register(organisation, scopes="discover,publish")
    response = token_request(client, path, status=200, data=CLIENT_CREDENTIALS, headers=registered.basic())
    body = response.get_json()
    assert set(body) == {"access_token", "token_type", "expires_in", "scope"}
    assert body["token_type"] == "Bearer"
    assert body["scope"] == "discover publish"
    assert body["expires_in"] == 1800
    assert body["access_token"].startswith("dmct_")
    assert response.headers["Pragma"] == "no-cache"
    # Stored as a hash only, and the client's use recorded.
    stored = db.session.scalars(select(ApiClientToken)).all()
    assert [token.token_hash for token in stored] == [hash_secret(body["access_token"])]
    db.session.refresh(registered.record)
    assert registered.record.tokens_issued == 1
    assert registered.record.last_used_at is not None


def test_the_secret_in_the_form_works_too(client, organisation):
    registered = register(organisation)
    form = {**CLIENT_CREDENTIALS, "client_id": registered.client_id, "client_secret": registered.secret}
    body = token_request(client, "/ClientAuth/get-token", status=200, data=form).get_json()
    assert body["scope"] == "discover publish delete"


def test_a_client_may_ask_for_fewer_scopes_than_it_holds(client, organisation):
    registered = register(organisation)
    form = {**CLIENT_CREDENTIALS, "scope": "discover"}
    body = token_request(client, status=200, data=form, headers=registered.basic()).get_json()
    assert body["scope"] == "discover"
    token = db.session.scalar(select(ApiClientToken))
    assert token.scope_set == {"discover"}


def test_scopes_the_client_does_not_hold_are_left_out_of_what_it_is_granted(client, organisation):
    registered = register(organisation, scopes="discover")
    form = {**CLIENT_CREDENTIALS, "scope": "discover publish"}
    body = token_request(client, status=200, data=form, headers=registered.basic()).get_json()
    assert body["scope"] == "discover"


def test_asking_only_for_scopes_the_client_does_not_hold_is_invalid_scope(client, organisation):
    registered = register(organisation, scopes="discover")
    form = {**CLIENT_CREDENTIALS, "scope": "publish delete"}
    response = token_request(client, status=400, data=form, headers=registered.basic())
    assert_oauth_error(response, "invalid_scope", mentions="it holds: discover")


@pytest.mark.parametrize("scope", ["admin", "discover admin", "read", 'discover "x"\\'])
def test_an_unknown_scope_is_invalid_scope_not_dropped(client, organisation, scope):
    registered = register(organisation)
    form = {**CLIENT_CREDENTIALS, "scope": scope}
    response = token_request(client, status=400, data=form, headers=registered.basic())
    assert_oauth_error(response, "invalid_scope", mentions="discover, publish, delete")
    assert db.session.scalar(select(ApiClientToken)) is None


def test_a_wrong_secret_is_invalid_client_with_401_and_www_authenticate(client, organisation):
    registered = register(organisation)
    response = token_request(
        client, status=401, data=CLIENT_CREDENTIALS, headers=registered.basic(secret="dmcs_guess")
    )
    assert_oauth_error(response, "invalid_client")
    assert response.headers["WWW-Authenticate"].startswith("Basic ")
    assert db.session.scalar(select(ApiClientToken)) is None


def test_a_wrong_secret_in_the_form_is_invalid_client(client, organisation):
    registered = register(organisation)
    form = {**CLIENT_CREDENTIALS, "client_id": registered.client_id, "client_secret": "dmcs_guess"}
    response = token_request(client, status=401, data=form)
    assert_oauth_error(response, "invalid_client")


@pytest.mark.parametrize(
    "client_id", ["dmc_000000000000000000000000", "no-such-client", "x" * 500, "dmc_\u00e9", "dmc_\x00"]
)
def test_an_unknown_client_is_invalid_client(client, organisation, client_id):
    register(organisation)
    pair = base64.b64encode(f"{client_id}:dmcs_secret".encode()).decode()
    response = token_request(
        client, status=401, data=CLIENT_CREDENTIALS, headers={"Authorization": f"Basic {pair}"}
    )
    assert_oauth_error(response, "invalid_client", mentions="does not exist")
    response = token_request(
        client, status=400, data={**CLIENT_CREDENTIALS, "client_id": client_id, "client_secret": "dmcs_x"}
    )
    assert_oauth_error(response, "invalid_client")


def test_the_clients_row_id_is_not_a_client_id(client, organisation):
    registered = register(organisation)
    form = {**CLIENT_CREDENTIALS, "client_id": str(registered.record.id), "client_secret": registered.secret}
    assert_oauth_error(token_request(client, status=400, data=form), "invalid_client")


@pytest.mark.parametrize(
    "header", ["Basic !!!not-base64", "Basic " + base64.b64encode(b"\xff\xfe:x").decode()]
)
def test_a_malformed_basic_header_is_invalid_client(client, organisation, header):
    response = token_request(client, status=401, data=CLIENT_CREDENTIALS, headers={"Authorization": header})
    assert_oauth_error(response, "invalid_client", mentions="Basic credentials")


def test_no_credentials_at_all_is_invalid_client(client, organisation):
    response = token_request(client, status=401, data=CLIENT_CREDENTIALS)
    assert_oauth_error(response, "invalid_client")


def test_a_revoked_client_is_invalid_client_and_told_so(client, organisation):
    registered = register(organisation)
    revoke_client(ADMIN, registered.client_id)
    response = token_request(client, status=401, data=CLIENT_CREDENTIALS, headers=registered.basic())
    assert_oauth_error(response, "invalid_client", mentions="revoked or has expired")
    assert db.session.scalar(select(ApiClientToken)) is None


def test_an_expired_client_is_invalid_client(client, organisation):
    registered = register(organisation, expires_days=1)
    record = db.session.get(ApiClient, registered.record.id)
    record.expires_at = utcnow()
    db.session.commit()
    form = {**CLIENT_CREDENTIALS, "client_id": registered.client_id, "client_secret": registered.secret}
    response = token_request(client, status=400, data=form)
    assert_oauth_error(response, "invalid_client", mentions="revoked or has expired")


def test_a_token_never_outlives_its_client(client, organisation):
    registered = register(organisation, expires_days=1)
    record = db.session.get(ApiClient, registered.record.id)
    record.expires_at = utcnow() + timedelta(minutes=10)
    db.session.commit()
    body = token_request(client, status=200, data=CLIENT_CREDENTIALS, headers=registered.basic()).get_json()
    assert 590 <= body["expires_in"] <= 600


@pytest.mark.parametrize(
    ("form", "error"),
    [
        ({"grant_type": "password", "username": "ann", "password": "x"}, "unsupported_grant_type"),
        ({"grant_type": "authorization_code", "code": "abc"}, "unsupported_grant_type"),
        ({"grant_type": "refresh_token", "refresh_token": "abc"}, "unsupported_grant_type"),
        ({"grant_type": 'x"\\'}, "unsupported_grant_type"),
        ({}, "invalid_request"),
        ({"grant_type": ""}, "invalid_request"),
    ],
)
def test_other_grant_types_and_a_missing_one_are_refused(client, organisation, form, error):
    registered = register(organisation)
    response = token_request(client, status=400, data=form, headers=registered.basic())
    assert_oauth_error(response, error, mentions="client_credentials")
    assert db.session.scalar(select(ApiClientToken)) is None


def test_a_grant_type_in_the_query_string_or_as_json_is_missing_from_the_form(client, organisation):
    registered = register(organisation)
    response = token_request(
        client, "/oauth/token?grant_type=client_credentials", status=400, headers=registered.basic()
    )
    assert_oauth_error(response, "invalid_request", mentions="grant_type")
    response = token_request(client, status=400, json=CLIENT_CREDENTIALS, headers=registered.basic())
    assert_oauth_error(response, "invalid_request", mentions="x-www-form-urlencoded")


def test_a_parameter_sent_twice_is_invalid_request(client, organisation):
    registered = register(organisation)
    form = {"grant_type": "client_credentials", "scope": ["discover", "publish"]}
    response = token_request(client, status=400, data=form, headers=registered.basic())
    assert_oauth_error(response, "invalid_request", mentions="scope came more than once")


def test_the_token_endpoint_takes_only_post(client, organisation):
    assert client.get("/oauth/token").status_code == 405
    assert client.get("/ClientAuth/get-token").status_code == 405
