"""Signing in end to end over real HTTP: a `requests` session plays the browser, the embedded
provider plays One Login, and every check the client makes is shown to refuse what it should."""

from __future__ import annotations

import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
import requests
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.models import User, UserSession
from tests.auth.signin import (
    configure_provider,
    csrf_token,
    eventually,
    me,
    query,
    sign_in_as,
    sign_out,
    stop_at_callback,
)
from tests.factories import create_organisation, create_user, valid_entry

PUBLISHER = "publisher@dft.gov.uk"
ADMIN = "admin@dft.gov.uk"


@pytest.fixture
def base(app, live_server):
    dft = create_organisation(slug="department-for-transport", email_domains=["dft.gov.uk"])
    create_user(email=PUBLISHER, organisation=dft, roles=("publisher",))
    create_user(email=ADMIN, organisation=dft, roles=("org_admin",))
    configure_provider(live_server, reset=True)
    return live_server


def _user_count() -> int:
    db.session.remove()
    return db.session.scalar(select(func.count()).select_from(User))


def test_a_publisher_signs_in_makes_a_token_on_the_tokens_page_and_publishes_with_it(base):
    browser, response = sign_in_as(base, PUBLISHER, next_path="/account/tokens")
    assert response.status_code == 200
    assert response.url == f"{base}/account/tokens"
    assert "Your API tokens" in response.text
    assert me(base, browser).json()["roles"] == ["member", "publisher"]

    created = browser.post(
        f"{base}/account/tokens",
        data={
            "csrf_token": csrf_token(response.text),
            "name": "harvester",
            "scope": ["read", "publish"],
            "expires": "30",
        },
        timeout=10,
    )
    assert created.status_code == 200
    assert created.headers["Cache-Control"] == "no-store"
    secret = created.text.split('id="new-token" class="app-token">')[1].split("<")[0]
    assert secret.startswith("dm_")

    entry = requests.post(
        f"{base}/api/v1/datasets",
        json=valid_entry(),
        headers={"Authorization": f"Bearer {secret}"},
        timeout=10,
    )
    assert entry.status_code == 201, entry.text
    # The page shows the token afterwards only by its start, never in full.
    listing = browser.get(f"{base}/account/tokens", timeout=10).text
    assert "harvester" in listing and secret not in listing and secret[:10] in listing


def test_the_session_cookie_is_http_only_lax_and_fresh_at_sign_in(base):
    browser = requests.Session()
    before = browser.get(f"{base}/login", allow_redirects=False, timeout=10)
    pending_cookie = browser.cookies.get("marketplace_session")
    assert pending_cookie and before.status_code == 302
    browser, response = sign_in_as(base, PUBLISHER, session=browser)
    cookie = next(c for c in browser.cookies if c.name == "marketplace_session")
    assert cookie.value != pending_cookie
    assert cookie.has_nonstandard_attr("HttpOnly")
    set_cookie = response.history[-1].headers["Set-Cookie"]
    assert "SameSite=Lax" in set_cookie and "HttpOnly" in set_cookie


def test_signing_out_ends_the_session_here_and_at_the_provider(base):
    browser, _ = sign_in_as(base, PUBLISHER)
    stolen = requests.Session()
    stolen.cookies.update(browser.cookies)
    assert me(base, stolen).status_code == 200

    response = sign_out(base, browser)
    assert response.url.split("?")[0] == f"{base}/signed-out"
    assert "You have signed out" in response.text
    # It went through the provider's logout with the ID token as a hint.
    provider_hop = next(r for r in response.history if "/dev-idp/logout" in r.headers.get("Location", ""))
    hop = query(provider_hop.headers["Location"])
    assert hop["id_token_hint"].count(".") == 2
    assert hop["post_logout_redirect_uri"] == f"{base}/signed-out"

    assert me(base, browser).status_code == 401
    # A copy of the cookie taken before signing out no longer works either: the session is over.
    assert me(base, stolen).status_code == 401
    assert browser.get(f"{base}/account", allow_redirects=False, timeout=10).status_code == 302


def test_pages_that_need_sign_in_send_people_to_sign_in_and_back(base):
    browser = requests.Session()
    response = browser.get(f"{base}/account/tokens", allow_redirects=False, timeout=10)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=/account/tokens")
    configure_provider(base, interactive=False, user={"email": PUBLISHER})
    response = browser.get(f"{base}/account/tokens", timeout=20)
    assert response.url == f"{base}/account/tokens"


@pytest.mark.parametrize(
    "next_path",
    ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"],
)
def test_next_cannot_send_anyone_off_the_site(base, next_path):
    _, response = sign_in_as(base, PUBLISHER, next_path=next_path)
    assert response.url == f"{base}/account"


def test_an_org_admin_reaches_people_and_roles_and_a_publisher_does_not(base):
    admin, _ = sign_in_as(base, ADMIN)
    page = admin.get(f"{base}/organisations/department-for-transport/people", timeout=10)
    assert page.status_code == 200 and PUBLISHER in page.text
    publisher, _ = sign_in_as(base, PUBLISHER)
    refused = publisher.get(
        f"{base}/organisations/department-for-transport/people",
        headers={"Accept": "text/html"},
        timeout=10,
    )
    assert refused.status_code == 403


def test_an_org_admin_grants_and_revokes_a_role_on_the_people_page(base):
    admin, _ = sign_in_as(base, ADMIN)
    url = f"{base}/organisations/department-for-transport/people"
    page = admin.get(url, timeout=10)
    granted = admin.post(
        url,
        data={"csrf_token": csrf_token(page.text), "email": "new.colleague@dft.gov.uk", "role": "publisher"},
        timeout=10,
    )
    assert granted.status_code == 200 and "new.colleague@dft.gov.uk is now a publisher" in granted.text
    assert "Publisher granted to new.colleague@dft.gov.uk" in granted.text

    outsider = admin.post(
        url,
        data={"csrf_token": csrf_token(granted.text), "email": "someone@gmail.com", "role": "publisher"},
        timeout=10,
    )
    assert outsider.status_code == 400
    assert "Error: People and roles" in outsider.text and "There is a problem" in outsider.text

    revoked = admin.post(
        f"{url}/revoke",
        data={
            "csrf_token": csrf_token(granted.text),
            "email": "new.colleague@dft.gov.uk",
            "role": "publisher",
        },
        timeout=10,
    )
    assert revoked.status_code == 200 and "Publisher revoked from new.colleague@dft.gov.uk" in revoked.text

    forged = admin.post(url, data={"email": "x@dft.gov.uk", "role": "publisher"}, timeout=10)
    assert forged.status_code == 400  # no CSRF token: nothing granted
    assert "x@dft.gov.uk" not in admin.get(url, timeout=10).text


def test_a_new_user_from_a_department_becomes_a_member_on_first_sign_in(base):
    browser, response = sign_in_as(base, "new.starter@dft.gov.uk")
    assert response.status_code == 200
    body = me(base, browser).json()
    assert body["email"] == "new.starter@dft.gov.uk" and body["roles"] == ["member"]
    assert body["organisation"] == "department-for-transport"


def test_an_address_from_no_department_gets_a_clear_page_and_no_account(base):
    users = _user_count()
    browser, response = sign_in_as(base, "someone@gmail.com")
    assert response.status_code == 403
    assert "Use your government email address" in response.text
    assert me(base, browser).status_code == 401
    assert _user_count() == users


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
    sessions_before = _session_count()
    browser, response = sign_in_as(base, PUBLISHER, errors={"authorize": [], "id_token": [error]})
    assert response.status_code == 400
    assert "Sorry, we could not sign you in" in response.text
    assert me(base, browser).status_code == 401
    assert _session_count() == sessions_before
    # Our log says why, without the token. Only our own records count: the
    # access log holds the random authorisation code, which can contain "eyJ".
    logged = " ".join(r.getMessage() for r in caplog.records if r.name.startswith("marketplace"))
    assert "sign-in refused" in logged
    assert not _JWT.search(logged)


_JWT = re.compile(r"eyJ[\w-]+\.[\w-]+\.")


def _session_count() -> int:
    db.session.remove()
    return db.session.scalar(select(func.count()).select_from(UserSession))


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


def test_key_rotation_keeps_old_sessions_and_verifies_new_sign_ins_with_the_new_key(base):
    before, _ = sign_in_as(base, PUBLISHER)
    configure_provider(base, keys={"publish_next": True, "sign_with_next": False})
    configure_provider(base, keys={"publish_next": True, "sign_with_next": True})
    after, response = sign_in_as(base, ADMIN)
    assert response.status_code == 200
    assert me(base, after).json()["email"] == ADMIN
    assert me(base, before).json()["email"] == PUBLISHER


def test_back_channel_logout_ends_the_persons_sessions_in_every_browser(base):
    laptop, _ = sign_in_as(base, PUBLISHER)
    phone, _ = sign_in_as(base, PUBLISHER)
    colleague, _ = sign_in_as(base, ADMIN)
    assert me(base, phone).status_code == 200
    sign_out(base, laptop)
    # The provider tells the service in the background; the phone's session then ends too.
    assert eventually(lambda: me(base, phone).status_code == 401)
    assert me(base, colleague).status_code == 200


def test_back_channel_logout_refuses_a_missing_or_forged_token(base):
    missing = requests.post(f"{base}/auth/backchannel-logout", data={}, timeout=10)
    assert missing.status_code == 400 and missing.json()["error"] == "invalid_request"
    forged = requests.post(
        f"{base}/auth/backchannel-logout", data={"logout_token": "eyJhbGciOiJub25lIn0.e30."}, timeout=10
    )
    assert forged.status_code == 400
    assert forged.headers["Cache-Control"] == "no-store"


class _Receiver(BaseHTTPRequestHandler):
    """Stands in for a service's back-channel logout endpoint, keeping what it is sent."""

    received: list[str] = []

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        form = parse_qs(self.rfile.read(length).decode())
        type(self).received.append(form["logout_token"][0])
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


def _captured_logout_token(base: str, email: str) -> str:
    """A real logout token from the provider, delivered to a receiver instead of the service."""
    handler = type("Receiver", (_Receiver,), {"received": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        receiver = f"http://127.0.0.1:{server.server_port}/logout"
        configure_provider(base, client={"backchannel_logout_uri": receiver})
        ended = requests.post(f"{base}/dev-idp/sessions/end", json={"email": email}, timeout=10)
        assert ended.status_code == 200, ended.text
        assert eventually(lambda: bool(handler.received))
    finally:
        server.shutdown()
        server.server_close()
        configure_provider(base, reset=True)
    return handler.received[0]


def test_a_logout_token_is_acted_on_once_and_a_replay_is_refused(base):
    browser, _ = sign_in_as(base, PUBLISHER)
    token = _captured_logout_token(base, PUBLISHER)
    assert me(base, browser).status_code == 200  # the service has not been told yet

    header, payload, signature = token.split(".")
    tampered = ".".join(
        [header, payload[:-2] + ("A" if payload[-2] != "A" else "B") + payload[-1], signature]
    )
    refused = requests.post(f"{base}/auth/backchannel-logout", data={"logout_token": tampered}, timeout=10)
    assert refused.status_code == 400
    assert me(base, browser).status_code == 200

    first = requests.post(f"{base}/auth/backchannel-logout", data={"logout_token": token}, timeout=10)
    assert first.status_code == 200 and first.headers["Cache-Control"] == "no-store"
    assert me(base, browser).status_code == 401

    again, _ = sign_in_as(base, PUBLISHER)
    replay = requests.post(f"{base}/auth/backchannel-logout", data={"logout_token": token}, timeout=10)
    assert replay.status_code == 400 and "used already" in replay.json()["error_description"]
    assert me(base, again).status_code == 200


def test_abandoned_sign_ins_do_not_grow_the_session_cookie(base):
    """Each /login keeps its state in the cookie until the callback; a browser that starts many
    and finishes none keeps only the latest few, so the cookie stays far below 4 KB."""
    browser = requests.Session()
    for _ in range(30):
        assert browser.get(f"{base}/login", allow_redirects=False, timeout=10).status_code == 302
    cookie = browser.cookies.get("marketplace_session")
    assert cookie and len(cookie) < 1500, len(cookie or "")
    # The latest sign-in still finishes.
    configure_provider(base, interactive=False, user={"email": PUBLISHER})
    response = browser.get(f"{base}/login", params={"next": "/account"}, timeout=20)
    assert response.url == f"{base}/account"
    assert me(base, browser).json()["email"] == PUBLISHER
