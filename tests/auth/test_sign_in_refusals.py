"""Sign-ins that must fail, each with its page and no session: an address from no department, errors
at the provider, every bad ID token, a replayed code, a forged or reused state, a callback not
started here, login_required, an unauthorised client, and a provider that cannot be reached."""

from __future__ import annotations

import pytest
import requests

from tests.auth.signin import (
    JWT,
    PUBLISHER,
    me,
    query,
    session_count,
    sign_in_as,
    stop_at_callback,
    user_count,
)


def test_an_address_from_no_department_gets_a_clear_page_and_no_account(base):
    users = user_count()
    browser, response = sign_in_as(base, "someone@gmail.com")
    assert response.status_code == 403
    assert "Use your government email address" in response.text
    assert me(base, browser).status_code == 401
    assert user_count() == users


@pytest.mark.parametrize(
    ("error", "status", "words"),
    [
        ("ACCESS_DENIED", 400, "You did not finish signing in"),
        ("TEMPORARILY_UNAVAILABLE", 503, "signing in is not available at the moment"),
    ],
)
def test_errors_at_the_provider_each_get_their_page_and_no_session(base, error, status, words):
    browser, response = sign_in_as(base, PUBLISHER, errors={"authorize": [error], "id_token": []})
    assert response.status_code == status
    assert words in response.text
    assert me(base, browser).status_code == 401


@pytest.mark.parametrize(
    "error",
    [
        "INVALID_ISS",
        "INVALID_AUD",
        "INVALID_ALG_HEADER",
        "INVALID_SIGNATURE",
        "TOKEN_EXPIRED",
        "TOKEN_NOT_VALID_YET",
        "NONCE_NOT_MATCHING",
        "INCORRECT_VOT",
    ],
)
def test_every_bad_id_token_is_refused_with_a_generic_page_and_no_session(base, error, caplog):
    sessions_before = session_count()
    browser, response = sign_in_as(base, PUBLISHER, errors={"authorize": [], "id_token": [error]})
    assert response.status_code == 400
    assert "Sorry, we could not sign you in" in response.text
    assert me(base, browser).status_code == 401
    assert session_count() == sessions_before
    # Our log says why, without the token. Only our own records count: the
    # access log holds the random authorisation code, which can contain "eyJ".
    logged = " ".join(r.getMessage() for r in caplog.records if r.name.startswith("marketplace"))
    assert "sign-in refused" in logged
    assert not JWT.search(logged)


def test_a_replayed_authorisation_code_is_refused(base):
    browser = requests.Session()
    callback = stop_at_callback(base, browser, PUBLISHER)
    saved = browser.cookies.copy()
    assert browser.get(callback, timeout=10).status_code == 200
    attacker = requests.Session()
    attacker.cookies.update(saved)  # the state is still in this old cookie; the code is spent
    replay = attacker.get(callback, timeout=10)
    assert replay.status_code == 400 and "Sorry, we could not sign you in" in replay.text
    assert me(base, attacker).status_code == 401


def test_a_forged_or_reused_state_is_refused(base):
    browser = requests.Session()
    callback = stop_at_callback(base, browser, PUBLISHER)
    params = query(callback)
    forged = browser.get(f"{base}/auth/callback", params={**params, "state": "forged"}, timeout=10)
    assert forged.status_code == 400 and "Your sign-in link has expired" in forged.text
    assert browser.get(callback, timeout=10).status_code == 200
    reused = browser.get(callback, timeout=10)
    assert reused.status_code == 400 and "Your sign-in link has expired" in reused.text


def test_a_callback_without_a_sign_in_started_here_is_refused(base):
    stranger = requests.Session()
    response = stranger.get(f"{base}/auth/callback", params={"code": "x", "state": "y"}, timeout=10)
    assert response.status_code == 400
    assert me(base, stranger).status_code == 401


def test_login_required_from_the_provider_ends_the_local_session(base):
    browser, _ = sign_in_as(base, PUBLISHER)
    response = browser.get(
        f"{base}/auth/callback", params={"error": "login_required", "state": "s"}, timeout=10
    )
    assert response.status_code == 401 and "You need to sign in again" in response.text
    assert me(base, browser).status_code == 401


def test_an_unauthorised_client_gets_the_service_unavailable_page(base):
    response = requests.get(
        f"{base}/auth/callback", params={"error": "unauthorized_client", "state": "s"}, timeout=10
    )
    assert response.status_code == 503 and "the service is unavailable" in response.text


def test_a_provider_that_cannot_be_reached_gets_a_try_later_page(database_url, tmp_path):
    from tests.conftest import make_app

    app = make_app(database_url, tmp_path, OIDC_ISSUER="http://127.0.0.1:9/")
    with app.test_client() as client:
        response = client.get("/login", base_url=app.config["BASE_URL"])
    assert response.status_code == 503
    assert b"signing in is not available at the moment" in response.data
