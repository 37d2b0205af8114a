"""The account pages: who you are, your API tokens, and people and roles for org admins —
including every bad form input, which gets a GOV.UK error summary and changes nothing."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.models import ApiToken, Membership, RoleChange
from marketplace.models.types import utcnow
from marketplace.services.tokens import authenticate_token
from tests.auth.signin import configure_provider, sign_in_as
from tests.auth.signin import csrf_token as csrf_of
from tests.factories import create_organisation, create_token, create_user
from tests.web.pages import BROWSER_ACCEPT, TITLE_SUFFIX, h1_of, page, title_of


@pytest.fixture
def dft(app):
    return create_organisation(email_domains=["dft.gov.uk"])


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_the_account_page_says_who_you_are_your_roles_and_what_you_can_do(dft, signed_in):
    user = create_user(email="admin@dft.gov.uk", organisation=dft, roles=("org_admin",))
    html = page(signed_in(user), "/account", status=200).get_data(as_text=True)
    assert title_of(html) == "Your account" + TITLE_SUFFIX
    assert "admin@dft.gov.uk" in html and "Member, Org admin" in html
    assert "/organisations/department-for-transport/people" in html
    assert 'href="/logout"' in html


def test_account_pages_send_anonymous_visitors_to_sign_in(client):
    for path in ("/account", "/account/tokens", "/organisations/department-for-transport/people"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith(f"/login?next={path}")


def test_a_token_made_on_the_page_is_shown_once_and_works_with_its_scopes(dft, signed_in):
    user = create_user(email="publisher@dft.gov.uk", organisation=dft, roles=("publisher",))
    client = signed_in(user)
    form = page(client, "/account/tokens", status=200).get_data(as_text=True)
    created = page(
        client,
        "/account/tokens",
        method="POST",
        status=303,
        data={"csrf_token": _csrf(form), "name": "nightly", "scope": ["read"], "expires": "30"},
    )
    assert created.headers["Location"] == "/account/tokens#new-token-heading"
    assert "app-token" not in created.get_data(as_text=True)
    response = page(client, "/account/tokens", status=200)
    assert response.headers["Cache-Control"] == "no-store"
    secret = re.search(r'id="new-token" class="app-token">([^<]+)<', response.get_data(as_text=True)).group(1)
    actor = authenticate_token(secret)
    assert actor.user.id == user.id and actor.scopes == {"read"}
    token = db.session.scalar(select(ApiToken))
    assert token.expires_at is not None and token.token_hash != secret
    again = page(client, "/account/tokens", status=200).get_data(as_text=True)
    assert secret not in again and "nightly" in again


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        ({"name": "", "scope": ["read"], "expires": "30"}, "name", "Enter a name for the token"),
        ({"name": "x" * 101, "scope": ["read"], "expires": "30"}, "name", "Enter a name for the token"),
        ({"name": "ok", "expires": "30"}, "scope", "Choose what the token may do"),
        ({"name": "ok", "scope": ["admin"], "expires": "30"}, "scope", "Choose what the token may do"),
        ({"name": "ok", "scope": ["read"], "expires": "7"}, "expires", "Choose when the token expires"),
        ({"name": "ok", "scope": ["read"], "expires": "0"}, "expires", "Choose when the token expires"),
        ({"name": "ok", "scope": ["read"], "expires": "-30"}, "expires", "Choose when the token expires"),
        ({"name": "ok", "scope": ["read"], "expires": "366"}, "expires", "Choose when the token expires"),
        ({"name": "ok", "scope": ["read"], "expires": "9" * 400}, "expires", "Choose when the token expires"),
        ({"name": "ok", "scope": ["read"], "expires": " 90"}, "expires", "Choose when the token expires"),
        ({"name": "ok", "scope": ["read"], "expires": "Never"}, "expires", "Choose when the token expires"),
        ({"name": "ok", "scope": ["read"]}, "expires", "Choose when the token expires"),
        (
            {"name": "ok", "scope": ["read"], "expires": "never"},
            "expires",
            "Only site admins can have a token",
        ),
    ],
)
def test_a_bad_token_form_gets_an_error_summary_and_makes_no_token(dft, signed_in, form, field, message):
    client = signed_in(create_user(email="publisher@dft.gov.uk", organisation=dft, roles=("publisher",)))
    csrf = _csrf(page(client, "/account/tokens", status=200).get_data(as_text=True))
    html = page(
        client, "/account/tokens", method="POST", status=400, data={"csrf_token": csrf, **form}
    ).get_data(as_text=True)
    assert title_of(html).startswith("Error: Your API tokens")
    assert "govuk-error-summary" in html and f'href="#{field}"' in html and message in html
    assert _count(ApiToken) == 0


def test_a_token_made_on_the_page_expires_after_the_default_which_is_chosen_already(app, dft, signed_in):
    client = signed_in(create_user(email="publisher@dft.gov.uk", organisation=dft, roles=("publisher",)))
    form = page(client, "/account/tokens", status=200).get_data(as_text=True)
    default = app.config["TOKEN_DEFAULT_EXPIRY_DAYS"]
    assert re.search(rf'value="{default}" checked', form)
    assert 'value="never"' not in form
    assert "You have 0 active tokens. You can have up to 20" in form
    page(
        client,
        "/account/tokens",
        method="POST",
        status=303,
        data={"csrf_token": _csrf(form), "name": "nightly", "scope": ["read"], "expires": str(default)},
    )
    token = db.session.scalar(select(ApiToken))
    assert abs(token.expires_at - (utcnow() + timedelta(days=default))) < timedelta(minutes=1)


def test_a_site_admin_may_make_a_token_that_never_expires_on_the_page(signed_in):
    client = signed_in(create_user(email="sam@cabinetoffice.gov.uk", roles=("site_admin",)))
    form = page(client, "/account/tokens", status=200).get_data(as_text=True)
    assert 'value="never"' in form
    data = {"csrf_token": _csrf(form), "name": "harvest", "scope": ["read"], "expires": "never"}
    page(client, "/account/tokens", method="POST", status=303, data=data)
    assert db.session.scalar(select(ApiToken)).expires_at is None


def test_the_page_refuses_a_token_past_the_most_a_person_may_hold_and_says_what_to_do(app, dft, signed_in):
    user = create_user(email="publisher@dft.gov.uk", organisation=dft, roles=("publisher",))
    limit = app.config["MAX_ACTIVE_TOKENS"]
    for _ in range(limit):
        create_token(user=user)
    client = signed_in(user)
    form = page(client, "/account/tokens", status=200).get_data(as_text=True)
    assert f"You have {limit} active tokens" in form
    data = {"csrf_token": _csrf(form), "name": "one more", "scope": ["read"], "expires": "30"}
    html = page(client, "/account/tokens", method="POST", status=409, data=data).get_data(as_text=True)
    assert title_of(html).startswith("Error: Your API tokens")
    assert "govuk-error-summary" in html
    assert f"You already have {limit} active tokens, the most you can have" in html
    assert "Revoke a token you no longer use" in html
    assert _count(ApiToken) == limit


def test_a_member_signed_in_over_http_cannot_pile_up_tokens_or_make_one_that_never_expires(app, live_server):
    """The review's member ended up with 51 read+publish tokens that never expired."""
    create_user(email="member@cabinetoffice.gov.uk", roles=())
    configure_provider(live_server, reset=True)
    browser, response = sign_in_as(live_server, "member@cabinetoffice.gov.uk", next_path="/account/tokens")
    assert response.status_code == 200
    browser.headers["Accept"] = BROWSER_ACCEPT
    form = {
        "csrf_token": csrf_of(response.text),
        "name": "x",
        "scope": ["read", "publish"],
        "expires": "never",
    }
    never = browser.post(f"{live_server}/account/tokens", data=form, timeout=10)
    assert never.status_code == 400 and "Only site admins can have a token that never expires" in never.text
    limit = app.config["MAX_ACTIVE_TOKENS"]
    statuses = [
        browser.post(f"{live_server}/account/tokens", data={**form, "expires": "365"}, timeout=10).status_code
        for _ in range(limit + 1)
    ]
    assert statuses == [200] * limit + [409]
    db.session.remove()
    tokens = db.session.scalars(select(ApiToken)).all()
    assert len(tokens) == limit and all(token.expires_at is not None for token in tokens)


def test_revoking_a_token_on_the_page_stops_it_working(dft, signed_in):
    user = create_user(email="publisher@dft.gov.uk", organisation=dft, roles=("publisher",))
    secret = create_token(user=user)
    token = db.session.scalar(select(ApiToken))
    client = signed_in(user)
    csrf = _csrf(page(client, "/account/tokens", status=200).get_data(as_text=True))
    response = client.post(f"/account/tokens/{token.id}/revoke", data={"csrf_token": csrf})
    assert response.status_code == 302
    html = page(client, "/account/tokens", status=200).get_data(as_text=True)
    assert "has been revoked" in html and "Revoked" in html
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401


def test_nobody_can_revoke_someone_elses_token_or_a_token_that_does_not_exist(dft, signed_in):
    owner = create_user(email="publisher@dft.gov.uk", organisation=dft, roles=("publisher",))
    secret = create_token(user=owner)
    token = db.session.scalar(select(ApiToken))
    client = signed_in(create_user(email="other@dft.gov.uk", organisation=dft))
    csrf = _csrf(page(client, "/account/tokens", status=200).get_data(as_text=True))
    page(client, f"/account/tokens/{token.id}/revoke", method="POST", status=403, data={"csrf_token": csrf})
    page(client, "/account/tokens/not-a-uuid/revoke", method="POST", status=404, data={"csrf_token": csrf})
    page(client, f"/account/tokens/{token.id}/revoke", method="POST", status=400, data={})  # no CSRF token
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 200


def test_the_people_page_lists_members_and_is_only_for_that_organisations_admins(dft, signed_in):
    admin = create_user(email="admin@dft.gov.uk", organisation=dft, roles=("org_admin",))
    create_user(email="publisher@dft.gov.uk", organisation=dft, roles=("publisher",))
    html = page(signed_in(admin), "/organisations/department-for-transport/people", status=200).get_data(
        as_text=True
    )
    assert h1_of(html) == "People and roles"
    assert "publisher@dft.gov.uk" in html and "Remove publisher" in html
    other = create_organisation(slug="home-office", title="Home Office", email_domains=["homeoffice.gov.uk"])
    outsider = create_user(email="admin@homeoffice.gov.uk", organisation=other, roles=("org_admin",))
    page(signed_in(outsider), "/organisations/department-for-transport/people", status=403)
    page(signed_in(outsider), "/organisations/no-such-organisation/people", status=404)


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"email": "", "role": "publisher"}, "email"),
        ({"email": "not-an-address", "role": "publisher"}, "email"),
        ({"email": "someone@gmail.com", "role": "publisher"}, "email"),
        ({"email": "x" * 250 + "@dft.gov.uk", "role": "publisher"}, "email"),
        ({"email": "new@dft.gov.uk", "role": ""}, "role"),
        ({"email": "new@dft.gov.uk", "role": "site_admin"}, "role"),
    ],
)
def test_a_bad_role_form_gets_an_error_summary_and_grants_nothing(dft, signed_in, form, field):
    client = signed_in(create_user(email="admin@dft.gov.uk", organisation=dft, roles=("org_admin",)))
    url = "/organisations/department-for-transport/people"
    csrf = _csrf(page(client, url, status=200).get_data(as_text=True))
    memberships, changes = _count(Membership), _count(RoleChange)
    html = page(client, url, method="POST", status=400, data={"csrf_token": csrf, **form}).get_data(
        as_text=True
    )
    assert title_of(html).startswith("Error: People and roles")
    assert f'href="#{field}"' in html
    assert (_count(Membership), _count(RoleChange)) == (memberships, changes)


def test_an_org_admin_cannot_remove_their_own_admin_role_on_the_page(dft, signed_in):
    admin = create_user(email="admin@dft.gov.uk", organisation=dft, roles=("org_admin",))
    client = signed_in(admin)
    url = "/organisations/department-for-transport/people"
    csrf = _csrf(page(client, url, status=200).get_data(as_text=True))
    html = page(
        client,
        f"{url}/revoke",
        method="POST",
        status=409,
        data={"csrf_token": csrf, "email": "admin@dft.gov.uk", "role": "org_admin"},
    ).get_data(as_text=True)
    assert "cannot remove your own org admin role" in html
    assert "org_admin" in admin.roles_in(dft.id)
