"""Userinfo, RP-initiated logout, and back-channel logout to a receiver of our own."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs

import pytest
import requests
from joserfc import jwt

from marketplace.devidp.settings import derive_sub
from tests.devidp.oidc_client import query, unverified

EVENT = "http://schemas.openid.net/event/backchannel-logout"


def _userinfo(rp, access_token: str) -> requests.Response:
    return requests.get(
        rp.issuer + "userinfo", headers={"Authorization": f"Bearer {access_token}"}, timeout=10
    )


def test_userinfo_gives_the_verified_email_for_the_email_scope(rp):
    _, tokens = rp.sign_in()
    info = _userinfo(rp, tokens["access_token"]).json()
    assert info == {
        "sub": derive_sub("analyst@dft.gov.uk"),
        "email": "analyst@dft.gov.uk",
        "email_verified": True,
    }


def test_userinfo_gives_the_phone_number_only_for_the_phone_scope(rp):
    rp.configure(user={"email": "caller@dft.gov.uk", "phone_number": "+447700900123"})
    _, tokens = rp.sign_in(scope="openid email phone")
    info = _userinfo(rp, tokens["access_token"]).json()
    assert info["phone_number"] == "+447700900123" and info["phone_number_verified"] is True
    assert info["email"] == "caller@dft.gov.uk"
    _, tokens = rp.sign_in(scope="openid email")
    info = _userinfo(rp, tokens["access_token"]).json()
    assert "phone_number" not in info and "phone_number_verified" not in info


@pytest.mark.parametrize("token", ["not-a-token", ""])
def test_userinfo_refuses_a_bad_token_as_bearer_invalid_token(rp, token):
    response = _userinfo(rp, token)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer ")
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_userinfo_without_credentials_asks_for_a_bearer_token(rp):
    response = requests.get(rp.issuer + "userinfo", timeout=10)
    assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Bearer ")


def test_userinfo_refuses_an_expired_token(app, rp):
    _, tokens = rp.sign_in()
    app.extensions["devidp"].find_token(tokens["access_token"]).expires_at = time.time() - 1
    response = _userinfo(rp, tokens["access_token"])
    assert response.status_code == 401 and 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def _expired_id_token(rp) -> str:
    rp.configure(errors={"id_token": ["TOKEN_EXPIRED"]})
    _, tokens = rp.sign_in()
    rp.configure(errors={"id_token": []})
    assert jwt.decode(tokens["id_token"], rp.jwks()).claims["exp"] < time.time()
    return tokens["id_token"]


def test_logout_with_an_expired_hint_goes_back_to_a_registered_uri_with_the_state(rp):
    hint = _expired_id_token(rp)
    response = requests.get(
        rp.issuer + "logout",
        params={"id_token_hint": hint, "post_logout_redirect_uri": rp.base + "/signed-out", "state": "s-123"},
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith(rp.base + "/signed-out?") and query(location) == {"state": "s-123"}


def test_logout_to_an_unregistered_uri_shows_the_providers_own_page(rp):
    _, tokens = rp.sign_in()
    response = requests.get(
        rp.issuer + "logout",
        params={
            "id_token_hint": tokens["id_token"],
            "post_logout_redirect_uri": "https://evil.example/",
            "state": "s",
        },
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 200
    assert "You have signed out" in response.text and "evil.example" not in response.text
    assert tokens["id_token"] not in response.text


def test_logout_with_a_hint_the_provider_did_not_sign_goes_nowhere(rp):
    _, tokens = rp.sign_in()
    header, payload, signature = tokens["id_token"].split(".")
    forged = ".".join(
        [header, payload, signature[:-4] + ("AAAA" if not signature.endswith("AAAA") else "BBBB")]
    )
    response = requests.get(
        rp.issuer + "logout",
        params={"id_token_hint": forged, "post_logout_redirect_uri": rp.base + "/signed-out"},
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 400 and "Location" not in response.headers
    assert _userinfo(rp, tokens["access_token"]).status_code == 200  # nobody was signed out


class Receiver:
    """A tiny back-channel logout endpoint: records each POSTed form, answers with `statuses` in turn."""

    def __init__(self, statuses: list[int]) -> None:
        self.forms: list[dict[str, str]] = []
        self.headers: list[dict[str, str]] = []
        self._statuses = statuses
        self._arrived = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"])).decode()
                with receiver._arrived:
                    receiver.forms.append({k: v[0] for k, v in parse_qs(body).items()})
                    receiver.headers.append(dict(self.headers))
                    status = receiver._statuses[min(len(receiver.forms), len(receiver._statuses)) - 1]
                    receiver._arrived.notify_all()
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/backchannel-logout"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.thread.start()

    def wait_for(self, count: int, timeout: float = 10) -> list[dict[str, str]]:
        with self._arrived:
            self._arrived.wait_for(lambda: len(self.forms) >= count, timeout=timeout)
        return list(self.forms)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def receiver(rp) -> Iterator[Receiver]:
    listening = Receiver([200])
    rp.configure(client={"backchannel_logout_uri": listening.url})
    yield listening
    listening.close()


def _checked_logout_token(rp, token: str) -> dict:
    header, _ = unverified(token)
    assert header["typ"] == "logout+jwt" and header["kid"]
    claims = dict(jwt.decode(token, rp.jwks(), algorithms=["ES256", "RS256"]).claims)
    jwt.JWTClaimsRegistry(leeway=5).validate(claims)
    assert claims["iss"] == rp.issuer
    assert claims["aud"] == rp.client_id
    assert claims["exp"] == claims["iat"] + 120
    assert claims["jti"]
    assert claims["events"] == {EVENT: {}}
    assert "nonce" not in claims
    return claims


def test_logout_sends_a_signed_logout_token_by_back_channel(rp, receiver):
    _, tokens = rp.sign_in()
    id_claims = rp.verified_claims(tokens["id_token"])
    response = requests.get(
        rp.issuer + "logout",
        params={"id_token_hint": tokens["id_token"], "post_logout_redirect_uri": rp.base + "/signed-out"},
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 302
    (form,) = receiver.wait_for(1)
    assert set(form) == {"logout_token"}
    claims = _checked_logout_token(rp, form["logout_token"])
    assert claims["sub"] == id_claims["sub"] and claims["sid"] == id_claims["sid"]
    # The provider session is over: its access token no longer works.
    assert _userinfo(rp, tokens["access_token"]).status_code == 401


def test_ending_a_users_sessions_sends_back_channel_logout_without_a_browser(rp, receiver):
    _, first = rp.sign_in()
    _, second = rp.sign_in()
    response = requests.post(rp.issuer + "sessions/end", json={"email": "Analyst@dft.gov.uk"}, timeout=10)
    assert response.status_code == 200
    assert response.json()["sessions_ended"] == 2
    (form,) = receiver.wait_for(1)
    claims = _checked_logout_token(rp, form["logout_token"])
    assert claims["sub"] == derive_sub("analyst@dft.gov.uk")
    assert claims["sid"] == rp.verified_claims(second["id_token"])["sid"]  # the latest session
    assert _userinfo(rp, first["access_token"]).status_code == 401
    assert _userinfo(rp, second["access_token"]).status_code == 401


def test_every_logout_token_is_new(rp, receiver):
    for _ in range(2):
        requests.post(rp.issuer + "sessions/end", json={"sub": derive_sub("x@dft.gov.uk")}, timeout=10)
    first, second = (unverified(form["logout_token"])[1] for form in receiver.wait_for(2))
    assert first["jti"] != second["jti"] and "sid" not in first


def test_a_failed_back_channel_delivery_is_retried_once(rp):
    failing = Receiver([503, 503, 503])
    try:
        rp.configure(client={"backchannel_logout_uri": failing.url})
        requests.post(rp.issuer + "sessions/end", json={"email": "analyst@dft.gov.uk"}, timeout=10)
        forms = failing.wait_for(2)
        time.sleep(1)  # and no third attempt
        assert len(failing.forms) == 2 and forms[0] == forms[1]
    finally:
        failing.close()


@pytest.mark.parametrize(
    "body", [{}, {"sub": ""}, {"email": "nope"}, {"sub": "a", "email": "a@b.gov.uk"}, ["sub"]]
)
def test_ending_sessions_needs_one_sub_or_email(rp, body):
    response = requests.post(rp.issuer + "sessions/end", json=body, timeout=10)
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/problem+json"
