"""Signing out is a POST with the form's token, so another site cannot sign people out: a link or
an image pointing at /logout only shows the confirmation page (issue 11, section 6)."""

from __future__ import annotations

import pytest
import requests

from tests.auth.signin import configure_provider, csrf_token, me, sign_in_as
from tests.factories import create_organisation, create_user

PUBLISHER = "publisher@dft.gov.uk"
COLLEAGUE = "colleague@dft.gov.uk"


@pytest.fixture
def base(app, live_server):
    dft = create_organisation(slug="department-for-transport", email_domains=["dft.gov.uk"])
    create_user(email=PUBLISHER, organisation=dft, roles=("publisher",))
    configure_provider(live_server, reset=True)
    return live_server


def test_a_get_of_logout_asks_and_leaves_the_person_signed_in(base):
    browser, _ = sign_in_as(base, PUBLISHER)
    page = browser.get(f"{base}/logout", timeout=10)
    assert page.status_code == 200
    assert 'method="post" action="/logout"' in page.text
    assert me(base, browser).status_code == 200


def test_a_post_from_another_site_without_the_token_does_not_sign_out(base):
    browser, _ = sign_in_as(base, PUBLISHER)
    response = browser.post(
        f"{base}/logout", headers={"Origin": "https://attacker.example"}, allow_redirects=False, timeout=10
    )
    assert response.status_code == 400
    assert me(base, browser).status_code == 200


def test_a_post_with_another_sessions_token_does_not_sign_out(base):
    browser, _ = sign_in_as(base, PUBLISHER)
    # The attacker's own valid token, from their own session.
    _, attackers_page = sign_in_as(base, COLLEAGUE, next_path="/")
    token = csrf_token(attackers_page.text)
    response = browser.post(f"{base}/logout", data={"csrf_token": token}, allow_redirects=False, timeout=10)
    assert response.status_code == 400
    assert me(base, browser).status_code == 200


def test_signing_out_from_the_header_form_ends_the_session(base):
    browser, home = sign_in_as(base, PUBLISHER, next_path="/")
    assert 'class="rebranded-one-login-header__nav__form" action="/logout"' in home.text
    response = browser.post(f"{base}/logout", data={"csrf_token": csrf_token(home.text)}, timeout=10)
    assert response.url.split("?")[0] == f"{base}/signed-out"
    assert me(base, browser).status_code == 401


def test_logout_when_signed_out_goes_to_the_signed_out_page(base):
    response = requests.get(f"{base}/logout", timeout=10)
    assert response.url == f"{base}/signed-out"
