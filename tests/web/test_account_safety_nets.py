"""Safety nets on the account pages (issue 12, point 9): revoking a token and removing a role ask
first, nobody is offered what would be refused, and refreshing after making a token cannot make
a second one."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.models import ApiToken, RoleChange
from marketplace.services.tokens import authenticate_token
from tests.factories import create_organisation, create_token, create_user
from tests.web.pages import h1_of, page, title_of

PEOPLE = "/organisations/department-for-transport/people"


@pytest.fixture
def dft(app):
    return create_organisation(email_domains=["dft.gov.uk"])


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _new_secret(html: str) -> str | None:
    found = re.search(r'id="new-token" class="app-token">([^<]+)<', html)
    return found.group(1) if found else None


def _make_token(client) -> None:
    form = page(client, "/account/tokens", status=200).text
    data = {"csrf_token": _csrf(form), "name": "nightly", "scope": ["read"], "expires": "30"}
    page(client, "/account/tokens", method="POST", status=303, data=data)


# --- tokens -----------------------------------------------------------------------------------


def test_refreshing_after_making_a_token_makes_no_second_token_and_does_not_show_it_again(dft, signed_in):
    client = signed_in(create_user(email="publisher@dft.gov.uk", organisation=dft, roles=("publisher",)))
    _make_token(client)
    shown = page(client, "/account/tokens", status=200)
    secret = _new_secret(shown.text)
    assert secret and authenticate_token(secret)
    assert 'id="new-token-heading"' in shown.text and "Token created" in shown.text
    # A refresh is a GET of the same page: nothing is posted again, and the secret is gone.
    again = page(client, "/account/tokens", status=200).text
    assert _new_secret(again) is None and secret not in again
    assert _count(ApiToken) == 1


def test_the_secret_waits_in_the_session_cookie_encrypted_not_readable(dft, signed_in, app):
    client = signed_in(create_user(email="publisher@dft.gov.uk", organisation=dft, roles=("publisher",)))
    _make_token(client)
    with client.session_transaction() as session:
        sealed = session["new_api_token"]
    cookie = client.get_cookie(app.config.get("SESSION_COOKIE_NAME", "session")).value
    secret = _new_secret(page(client, "/account/tokens", status=200).text)
    assert secret not in sealed and secret not in cookie


def test_a_secret_kept_for_someone_else_is_not_shown(dft, signed_in):
    """A sealed secret only shows a token of the person signed in (say, a copied cookie)."""
    owner = signed_in(create_user(email="publisher@dft.gov.uk", organisation=dft, roles=("publisher",)))
    _make_token(owner)
    with owner.session_transaction() as session:
        sealed = session["new_api_token"]
    other = create_user(email="other@dft.gov.uk", organisation=dft)
    client = signed_in(other)
    with client.session_transaction() as session:
        session["new_api_token"] = sealed
    assert _new_secret(page(client, "/account/tokens", status=200).text) is None


@pytest.mark.parametrize("sealed", ["", "not-a-fernet-token", "gAAAAABlogus"])
def test_a_damaged_kept_secret_is_ignored(dft, signed_in, sealed):
    client = signed_in(create_user(email="publisher@dft.gov.uk", organisation=dft, roles=("publisher",)))
    with client.session_transaction() as session:
        session["new_api_token"] = sealed
    html = page(client, "/account/tokens", status=200).text
    assert _new_secret(html) is None and "Your API tokens" in html


def test_revoking_a_token_asks_first_and_cancel_changes_nothing(dft, signed_in):
    user = create_user(email="publisher@dft.gov.uk", organisation=dft, roles=("publisher",))
    secret = create_token(user=user, name="harvester")
    token = db.session.scalar(select(ApiToken))
    client = signed_in(user)
    listing = page(client, "/account/tokens", status=200).text
    # The list offers a link to a question, not a button that acts at once.
    assert f'href="/account/tokens/{token.id}/revoke"' in listing
    assert 'action="/account/tokens/' not in listing
    confirm = page(client, f"/account/tokens/{token.id}/revoke", status=200).text
    assert h1_of(confirm) == "Are you sure you want to revoke the token \u2018harvester\u2019?"
    assert title_of(confirm).startswith("Are you sure you want to revoke")
    assert "Yes, revoke this token" in confirm and 'href="/account/tokens">Cancel</a>' in confirm
    # Looking at the question changes nothing.
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    response = page(
        client,
        f"/account/tokens/{token.id}/revoke",
        method="POST",
        status=302,
        data={"csrf_token": _csrf(confirm)},
    )
    assert response.headers["Location"] == "/account/tokens"
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    # Asking again about a revoked token says so instead of asking.
    page(client, f"/account/tokens/{token.id}/revoke", status=302)
    assert "was already revoked" in page(client, "/account/tokens", status=200).text


def test_nobody_is_asked_about_someone_elses_token_or_one_that_does_not_exist(dft, signed_in):
    create_token(user=create_user(email="publisher@dft.gov.uk", organisation=dft, roles=("publisher",)))
    token = db.session.scalar(select(ApiToken))
    client = signed_in(create_user(email="other@dft.gov.uk", organisation=dft))
    page(client, f"/account/tokens/{token.id}/revoke", status=403)
    page(client, "/account/tokens/not-a-uuid/revoke", status=404)
    page(client, "/account/tokens/00000000-0000-0000-0000-000000000000/revoke", status=404)


# --- people and roles -------------------------------------------------------------------------


def _people(client) -> str:
    return page(client, PEOPLE, status=200).text


def test_removing_a_role_asks_first_then_removes_it(dft, signed_in):
    admin = create_user(email="admin@dft.gov.uk", organisation=dft, roles=("org_admin",))
    publisher = create_user(email="pat@dft.gov.uk", organisation=dft, roles=("publisher",))
    client = signed_in(admin)
    listing = _people(client)
    link = f"{PEOPLE}/{publisher.id}/remove/publisher"
    assert f'href="{link}"' in listing
    assert f'action="{PEOPLE}/revoke"' not in listing  # no button on the list acts at once
    changes = _count(RoleChange)
    confirm = page(client, link, status=200).text
    assert h1_of(confirm) == "Are you sure you want to remove pat@dft.gov.uk\u2019s publisher role?"
    assert "The entries they made stay as they are" in confirm
    assert "Yes, remove the publisher role" in confirm and f'href="{PEOPLE}">Cancel</a>' in confirm
    assert "publisher" in publisher.roles_in(dft.id) and _count(RoleChange) == changes
    data = {"csrf_token": _csrf(confirm), "email": "pat@dft.gov.uk", "role": "publisher"}
    page(client, f"{PEOPLE}/revoke", method="POST", status=302, data=data)
    db.session.refresh(publisher)
    assert "publisher" not in publisher.roles_in(dft.id)
    assert "pat@dft.gov.uk is no longer publisher." in _people(client)


def test_nobody_is_offered_removing_their_own_org_admin_role(dft, signed_in):
    admin = create_user(email="admin@dft.gov.uk", organisation=dft, roles=("org_admin", "publisher"))
    other = create_user(email="second@dft.gov.uk", organisation=dft, roles=("org_admin",))
    client = signed_in(admin)
    listing = _people(client)
    assert f"{PEOPLE}/{admin.id}/remove/org_admin" not in listing
    assert f"{PEOPLE}/{admin.id}/remove/publisher" in listing  # their other role they may drop
    assert f"{PEOPLE}/{other.id}/remove/org_admin" in listing
    # Typed in by hand, the question is not asked: the page says why.
    html = page(client, f"{PEOPLE}/{admin.id}/remove/org_admin", status=409).text
    assert "There is a problem" in html and "You cannot remove your own org admin role" in html
    assert "org_admin" in admin.roles_in(dft.id)


def test_a_site_admin_is_offered_removing_any_org_admin_role(dft, signed_in):
    admin = create_user(email="admin@dft.gov.uk", organisation=dft, roles=("org_admin",))
    client = signed_in(create_user(email="sam@cabinetoffice.gov.uk", roles=("site_admin",)))
    assert f"{PEOPLE}/{admin.id}/remove/org_admin" in _people(client)
    page(client, f"{PEOPLE}/{admin.id}/remove/org_admin", status=200)


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("{pat}/remove/org_admin", 404),  # a role they do not hold
        ("{pat}/remove/member", 404),  # not a role that can be removed
        ("{pat}/remove/site_admin", 404),
        ("00000000-0000-0000-0000-000000000000/remove/publisher", 404),
        ("not-a-uuid/remove/publisher", 404),
        ("{outsider}/remove/org_admin", 404),  # someone of another organisation
    ],
)
def test_the_question_is_asked_only_about_a_role_the_person_holds_here(dft, signed_in, path, status):
    admin = create_user(email="admin@dft.gov.uk", organisation=dft, roles=("org_admin",))
    pat = create_user(email="pat@dft.gov.uk", organisation=dft, roles=("publisher",))
    home_office = create_organisation(
        slug="home-office", title="Home Office", email_domains=["homeoffice.gov.uk"]
    )
    outsider = create_user(email="admin@homeoffice.gov.uk", organisation=home_office, roles=("org_admin",))
    client = signed_in(admin)
    page(client, f"{PEOPLE}/" + path.format(pat=pat.id, outsider=outsider.id), status=status)


def test_only_an_org_admin_is_asked(dft, signed_in, client):
    pat = create_user(email="pat@dft.gov.uk", organisation=dft, roles=("publisher",))
    link = f"{PEOPLE}/{pat.id}/remove/publisher"
    assert client.get(link).status_code == 302  # signed out: to sign in
    page(signed_in(create_user(email="analyst@dft.gov.uk", organisation=dft)), link, status=403)


def test_the_org_admin_hint_says_only_what_the_role_does(dft, signed_in):
    html = _people(signed_in(create_user(email="admin@dft.gov.uk", organisation=dft, roles=("org_admin",))))
    assert "Also reviews requests for data, and gives and removes roles on this page" in html
