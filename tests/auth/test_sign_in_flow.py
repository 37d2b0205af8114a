"""Signing in over real HTTP with the development provider: a publisher signs in and publishes with a
token, the session cookie, signing out here and at the provider, being sent to sign in and back
(never off the site), org admins' people pages, new users from a department, key rotation, and
abandoned sign-ins."""

from __future__ import annotations

import pytest
import requests

from tests.auth.signin import (
    ADMIN,
    PUBLISHER,
    configure_provider,
    csrf_token,
    me,
    query,
    sign_in_as,
    sign_out,
)
from tests.factories import valid_entry


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


def test_key_rotation_keeps_old_sessions_and_verifies_new_sign_ins_with_the_new_key(base):
    before, _ = sign_in_as(base, PUBLISHER)
    configure_provider(base, keys={"publish_next": True, "sign_with_next": False})
    configure_provider(base, keys={"publish_next": True, "sign_with_next": True})
    after, response = sign_in_as(base, ADMIN)
    assert response.status_code == 200
    assert me(base, after).json()["email"] == ADMIN
    assert me(base, before).json()["email"] == PUBLISHER


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
