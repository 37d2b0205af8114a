"""The authorization endpoint: as strict as One Login, the injected errors, and the page to pick a user."""

from __future__ import annotations

import re

import pytest
import requests

from marketplace.devidp.settings import derive_sub
from tests.devidp.oidc_client import Flow, query
from tests.factories import create_organisation, create_user


def _error_back(rp, response, flow: Flow | None = None) -> dict[str, str]:
    assert response.status_code == 302, response.text
    location = response.headers["Location"]
    assert location.startswith(rp.redirect_uri + "?"), location
    back = query(location)
    assert "code" not in back
    if flow is not None:
        assert back.get("state") == flow.state
    return back


def test_an_unknown_client_is_refused_with_a_page_not_a_redirect(rp):
    response = rp.authorize(Flow(), client_id="someone-else")
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert "not registered" in response.text


@pytest.mark.parametrize("redirect_uri", ["https://evil.example/auth/callback", None])
def test_a_redirect_uri_that_is_not_registered_is_refused_with_a_page(rp, redirect_uri):
    response = rp.authorize(Flow(), redirect_uri=redirect_uri)
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert "redirect_uri" in response.text


def test_a_missing_state_is_sent_back_as_invalid_request(rp):
    back = _error_back(rp, rp.authorize(Flow(), state=None))
    assert back["error"] == "invalid_request" and "state" in back["error_description"]
    assert "state" not in back


def test_a_missing_nonce_is_sent_back_as_invalid_request(rp):
    flow = Flow()
    back = _error_back(rp, rp.authorize(flow, nonce=None), flow)
    assert back["error"] == "invalid_request" and "nonce" in back["error_description"]


@pytest.mark.parametrize(
    "vtr",
    [
        "Cl.Cm",
        '"Cl.Cm"',
        '["Cl.Cx"]',
        '["P2.Cl"]',
        '["Cm"]',
        '["P3.Cl.Cm"]',
        '["P2.Cl.Cm","Cl"]',
        '["Cl.Cm\\\\"]',
        "[1]",
    ],
)
def test_a_vtr_that_is_not_a_json_array_of_known_vectors_is_sent_back(rp, vtr):
    flow = Flow()
    back = _error_back(rp, rp.authorize(flow, vtr=vtr), flow)
    assert back["error"] == "invalid_request" and "vtr" in back["error_description"]


@pytest.mark.parametrize(
    ("vtr", "vot"), [('["Cl.Cm"]', "Cl.Cm"), ('["Cl"]', "Cl"), ('["P2.Cl.Cm"]', "Cl.Cm"), (None, "Cl.Cm")]
)
def test_known_vectors_are_accepted_and_give_their_vot(rp, vtr, vot):
    _, tokens = rp.sign_in(vtr=vtr)
    assert rp.verified_claims(tokens["id_token"])["vot"] == vot


@pytest.mark.parametrize(
    ("scope", "error"),
    [("email", "invalid_scope"), ("openid email profile", "invalid_scope"), (None, "invalid_scope")],
)
def test_a_scope_without_openid_or_with_unknown_scopes_is_sent_back(rp, scope, error):
    flow = Flow()
    back = _error_back(rp, rp.authorize(flow, scope=scope), flow)
    assert back["error"] == error


def test_a_response_type_other_than_code_is_sent_back(rp):
    flow = Flow()
    back = _error_back(rp, rp.authorize(flow, response_type="token"), flow)
    assert back["error"] == "unsupported_response_type"


@pytest.mark.parametrize(
    "pkce",
    [
        {"code_challenge": None, "code_challenge_method": None},
        {"code_challenge_method": None},
        {"code_challenge_method": "plain"},
    ],
    ids=["no-pkce", "no-method", "plain"],
)
def test_pkce_with_s256_is_required(rp, pkce):
    flow = Flow()
    back = _error_back(rp, rp.authorize(flow, **pkce), flow)
    assert back["error"] == "invalid_request" and "code_challenge" in back["error_description"]


@pytest.mark.parametrize(
    ("injected", "error"),
    [("ACCESS_DENIED", "access_denied"), ("TEMPORARILY_UNAVAILABLE", "temporarily_unavailable")],
)
def test_injected_authorize_errors_are_sent_back_with_the_state(rp, injected, error):
    rp.configure(errors={"authorize": [injected]})
    flow = Flow()
    back = _error_back(rp, rp.authorize(flow), flow)
    assert back["error"] == error
    assert back["error_description"]


def test_without_interaction_the_configured_user_is_signed_in_at_once(rp):
    rp.configure(user={"email": "someone@dft.gov.uk"})
    flow = Flow()
    response = rp.authorize(flow)
    assert response.status_code == 302
    back = query(response.headers["Location"])
    assert back["state"] == flow.state and back["code"]
    tokens = rp.token_request(back["code"], flow.verifier).json()
    assert rp.verified_claims(tokens["id_token"])["sub"] == derive_sub("someone@dft.gov.uk")


@pytest.fixture
def people(app):
    dft = create_organisation(slug="department-for-transport", email_domains=["dft.gov.uk"])
    create_user(email="publisher@dft.gov.uk", organisation=dft, roles=("publisher",))
    create_user(email="member@dft.gov.uk", organisation=dft)


def _page(rp, browser: requests.Session, flow: Flow) -> str:
    rp.configure(interactive=True)
    response = rp.authorize(flow, session=browser)
    assert response.status_code == 200, response.text
    return response.text


def _form(html: str) -> dict[str, str]:
    fields = dict(re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', html))
    assert "request_id" in fields
    return fields


def test_the_sign_in_page_lists_the_services_users_with_their_roles(rp, people):
    html = _page(rp, requests.Session(), Flow())
    assert "Who do you want to sign in as?" in html
    assert 'value="publisher@dft.gov.uk"' in html and 'value="member@dft.gov.uk"' in html
    assert "publisher, Department for Transport" in html
    assert "member, Department for Transport" in html
    assert '<label class="govuk-label" for="email">' in html  # or type an address, labelled


def test_picking_a_user_signs_them_in(rp, people):
    browser = requests.Session()
    flow = Flow()
    form = _form(_page(rp, browser, flow))
    response = browser.post(
        rp.issuer + "authorize",
        data={**form, "user": "publisher@dft.gov.uk"},
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 302, response.text
    back = query(response.headers["Location"])
    assert back["state"] == flow.state
    tokens = rp.token_request(back["code"], flow.verifier).json()
    assert rp.verified_claims(tokens["id_token"])["sub"] == derive_sub("publisher@dft.gov.uk")
    info = requests.get(
        rp.issuer + "userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"}, timeout=10
    ).json()
    assert info["email"] == "publisher@dft.gov.uk"

    replay = browser.post(rp.issuer + "authorize", data={**form, "user": "member@dft.gov.uk"}, timeout=10)
    assert replay.status_code == 400  # the pending sign-in was used up


def test_typing_an_address_signs_in_someone_new(rp, people):
    browser = requests.Session()
    flow = Flow()
    form = _form(_page(rp, browser, flow))
    response = browser.post(
        rp.issuer + "authorize",
        data={**form, "user": "other", "email": "New.Person@dft.gov.uk"},
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 302
    code = query(response.headers["Location"])["code"]
    tokens = rp.token_request(code, flow.verifier).json()
    assert rp.verified_claims(tokens["id_token"])["sub"] == derive_sub("new.person@dft.gov.uk")


@pytest.mark.parametrize(
    ("choice", "field", "message"),
    [
        ({}, "user", "Select who to sign in as"),
        ({"user": "other", "email": ""}, "email", "Enter an e-mail address"),
        ({"user": "other", "email": "not an address"}, "email", "in the correct format"),
    ],
)
def test_an_empty_or_invalid_choice_shows_an_error_summary(rp, people, choice, field, message):
    browser = requests.Session()
    form = _form(_page(rp, browser, Flow()))
    response = browser.post(
        rp.issuer + "authorize", data={**form, **choice}, allow_redirects=False, timeout=10
    )
    assert response.status_code == 400
    html = response.text
    assert "govuk-error-summary" in html and "There is a problem" in html
    assert f'href="#{field}"' in html and message in html
    assert "<title>Error: " in html


def test_with_no_users_the_page_asks_for_an_address(rp):
    browser = requests.Session()
    flow = Flow()
    html = _page(rp, browser, flow)
    assert 'name="user"' not in html and 'id="email"' in html
    response = browser.post(
        rp.issuer + "authorize",
        data={**_form(html), "email": "analyst@dft.gov.uk"},
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 302 and "code=" in response.headers["Location"]


def test_the_sign_in_form_needs_its_csrf_token(rp, people):
    browser = requests.Session()
    form = _form(_page(rp, browser, Flow()))
    assert "csrf_token" in form
    del form["csrf_token"]
    response = browser.post(
        rp.issuer + "authorize", data={**form, "user": "publisher@dft.gov.uk"}, timeout=10
    )
    assert response.status_code == 400
