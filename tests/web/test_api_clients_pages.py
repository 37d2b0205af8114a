"""An organisation's API clients pages: org admins register, list, rotate and revoke the machine
clients its systems use; the secret is shown once, never cached, and only its hash is stored.
Every bad form input gets a GOV.UK error summary and registers nothing."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from joserfc.jwk import ECKey
from sqlalchemy import func, select

from marketplace.errors import AuthenticationError
from marketplace.extensions import db
from marketplace.models import ApiClient, ApiClientToken
from marketplace.models.types import utcnow
from marketplace.services.api_clients import (
    authenticate_client_token,
    check_client_secret,
    hash_secret,
    issue_access_token,
)
from tests.factories import create_organisation, create_user
from tests.web.pages import TITLE_SUFFIX, h1_of, page, title_of

CLIENTS = "/organisations/department-for-transport/api-clients"
NEW = f"{CLIENTS}/new"


@pytest.fixture
def dft(app):
    return create_organisation(email_domains=["dft.gov.uk"])


@pytest.fixture
def home_office(app):
    return create_organisation(slug="home-office", title="Home Office", email_domains=["homeoffice.gov.uk"])


@pytest.fixture
def admin(dft):
    return create_user(email="admin@dft.gov.uk", organisation=dft, roles=("org_admin",))


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _shown(html: str, element_id: str) -> str | None:
    found = re.search(rf'<code id="{element_id}" class="app-token">([^<]+)</code>', html)
    return found.group(1) if found else None


def _register(client, **fields) -> tuple[str, str | None]:
    """Register a client on the page; (client_id, secret) as the page showed them."""
    form = page(client, NEW, status=200).text
    data = {"name": "Transport catalogue", "scope": ["discover", "publish"], "expires": "90", **fields}
    response = page(client, NEW, method="POST", status=200, data={"csrf_token": _csrf(form), **data})
    assert response.headers["Cache-Control"] == "no-store"
    return _shown(response.text, "client-id"), _shown(response.text, "client-secret")


def _only_client() -> ApiClient:
    db.session.expire_all()
    return db.session.scalars(select(ApiClient)).one()


# --- listing ------------------------------------------------------------------------------------


def test_the_list_explains_clients_and_shows_each_clients_record(dft, admin, signed_in):
    client = signed_in(admin)
    empty = page(client, CLIENTS, status=200).text
    assert title_of(empty) == "API clients of Department for Transport" + TITLE_SUFFIX
    assert h1_of(empty) == "API clients"
    assert "/ClientAuth/get-token" in empty and 'href="/api"' in empty
    assert f'href="{NEW}"' in empty and "Register an API client" in empty
    assert "Department for Transport has no API clients yet." in empty
    client_id, _ = _register(client, expires="30")
    record = _only_client()
    issue_access_token(record, ["discover"])
    html = page(client, CLIENTS, status=200).text
    assert "Transport catalogue" in html and client_id in html
    assert "discover, publish" in html
    assert f"Expires on {(utcnow() + timedelta(days=30)).day}" in html
    assert "admin@dft.gov.uk" in html  # created by
    assert "Not used yet" not in html  # last used: just now
    assert re.search(r"Tokens issued\s*</dt>\s*<dd[^>]*>\s*1\s*<", html)
    assert "Secret last rotated" in html and "Never" in html
    assert f'href="{CLIENTS}/{client_id}/rotate"' in html and f'href="{CLIENTS}/{client_id}/revoke"' in html
    assert 'action="' + CLIENTS not in html  # no button on the list acts at once


def test_the_list_says_which_clients_are_revoked_by_whom_or_expired(dft, admin, signed_in):
    client = signed_in(admin)
    revoked_id, _ = _register(client, name="Old catalogue")
    csrf = _csrf(page(client, CLIENTS, status=200).text)
    page(client, f"{CLIENTS}/{revoked_id}/revoke", method="POST", status=302, data={"csrf_token": csrf})
    expired_id, _ = _register(client, name="Pilot")
    expired = db.session.scalars(select(ApiClient).filter_by(client_id=expired_id)).one()
    expired.expires_at = utcnow() - timedelta(days=2)
    db.session.commit()
    html = page(client, CLIENTS, status=200).text
    assert "Revoked on" in html and "by admin@dft.gov.uk" in html
    assert "Expired on" in html
    # Neither is offered a new secret; the revoked one is not offered revoking again.
    assert f"{revoked_id}/rotate" not in html and f"{revoked_id}/revoke" not in html
    assert f"{expired_id}/revoke" in html


# --- registering --------------------------------------------------------------------------------


def test_a_client_registered_on_the_page_shows_its_secret_once_and_stores_only_its_hash(
    dft, admin, signed_in
):
    client = signed_in(admin)
    form = page(client, NEW, status=200).text
    assert title_of(form) == "Register an API client" + TITLE_SUFFIX
    assert "Find and read your organisation&#39;s records" in form
    assert re.search(r'value="discover" checked', form) and re.search(r'value="90" checked', form)
    data = {
        "csrf_token": _csrf(form),
        "name": "Transport catalogue",
        "scope": ["discover", "publish", "delete"],
        "expires": "365",
    }
    response = page(client, NEW, method="POST", status=200, data=data)
    assert response.headers["Cache-Control"] == "no-store"
    html = response.text
    assert "API client registered" in html and "You will not be able to see it again" in html
    client_id, secret = _shown(html, "client-id"), _shown(html, "client-secret")
    assert client_id.startswith("dmc_") and secret.startswith("dmcs_")
    example = re.search(r'<code id="get-token-example">(.*?)</code>', html, re.DOTALL).group(1)
    assert f"curl -u '{client_id}:{secret}'" in example
    assert "grant_type=client_credentials" in example and example.rstrip().endswith("/ClientAuth/get-token")
    record = _only_client()
    assert record.client_id == client_id and record.organisation_id == dft.id
    assert record.scope_set == {"discover", "publish", "delete"}
    assert record.secret_hash == hash_secret(secret) and secret not in (record.secret_prefix or "")
    assert check_client_secret(record, secret)
    assert record.created_by_label == "admin@dft.gov.uk"
    assert abs(record.expires_at - (utcnow() + timedelta(days=365))) < timedelta(minutes=1)
    # The list never shows it again.
    assert secret not in page(client, CLIENTS, status=200).text


def test_a_client_without_expiry_and_one_with_public_keys_have_no_secret_shown(dft, admin, signed_in):
    client = signed_in(admin)
    _register(client, name="Forever", expires="never")
    assert _only_client().expires_at is None
    key = ECKey.generate_key("P-256", private=True)
    client_id, secret = _register(client, name="Signed", public_jwks=json.dumps(key.as_dict(private=False)))
    assert secret is None
    record = db.session.scalars(select(ApiClient).filter_by(client_id=client_id)).one()
    assert record.secret_hash is None and record.public_jwks["keys"][0]["x"] == key.as_dict()["x"]
    html = page(client, CLIENTS, status=200).text
    assert "Its public keys (private_key_jwt)" in html
    assert f"{client_id}/rotate" not in html  # nothing to rotate


PRIVATE_KEY = json.dumps({"keys": [ECKey.generate_key("P-256", private=True).as_dict(private=True)]})


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"name": ""}, "name", "Enter a name for the client"),
        ({"name": "   "}, "name", "Enter a name for the client"),
        ({"name": "x" * 101}, "name", "Enter a name for the client"),
        ({"scope": []}, "scope", "Choose what the client may do"),
        ({"scope": ["admin"]}, "scope", "Choose what the client may do"),
        ({"scope": ["discover", "read"]}, "scope", "Choose what the client may do"),
        ({"expires": "7"}, "expires", "Choose when the client expires"),
        ({"expires": "0"}, "expires", "Choose when the client expires"),
        ({"expires": "-30"}, "expires", "Choose when the client expires"),
        ({"expires": "9" * 400}, "expires", "Choose when the client expires"),
        ({"expires": "Never"}, "expires", "Choose when the client expires"),
        ({"expires": ""}, "expires", "Choose when the client expires"),
        ({"public_jwks": "not json"}, "public_jwks", "JSON Web Key Set"),
        ({"public_jwks": '{"keys": []}'}, "public_jwks", "JSON Web Key Set"),
        ({"public_jwks": '{"keys": [{"kty": "RSA"}]}'}, "public_jwks", "JSON Web Key Set"),
        ({"public_jwks": PRIVATE_KEY}, "public_jwks", "That holds a private key"),
    ],
)
def test_a_bad_client_form_gets_an_error_summary_keeps_the_answers_and_registers_nothing(
    dft, admin, signed_in, fields, field, message
):
    client = signed_in(admin)
    csrf = _csrf(page(client, NEW, status=200).text)
    data = {"name": "Kept name", "scope": ["publish"], "expires": "30", **fields}
    html = page(client, NEW, method="POST", status=400, data={"csrf_token": csrf, **data}).text
    assert title_of(html).startswith("Error: Register an API client")
    assert "govuk-error-summary" in html and f'href="#{field}"' in html and message in html
    assert f'id="{field}-error"' in html  # the inline message too
    if field != "name":
        assert 'value="Kept name"' in html
    if field != "scope":
        assert re.search(r'value="publish" checked', html)
    if field == "public_jwks":
        assert "<details" in html and re.search(r"<details[^>]*open", html)
    assert _count(ApiClient) == 0


# --- who may ------------------------------------------------------------------------------------


@pytest.mark.parametrize("roles", [("member",), ("publisher",)])
def test_only_an_org_admin_of_the_organisation_may_see_or_use_the_pages(dft, signed_in, roles):
    someone = create_user(email="pat@dft.gov.uk", organisation=dft, roles=roles)
    client = signed_in(someone)
    for path in (CLIENTS, NEW):
        page(client, path, status=403)
    csrf = _csrf(page(client, "/account", status=200).text)
    data = {"csrf_token": csrf, "name": "x", "scope": ["discover"], "expires": "30"}
    page(client, NEW, method="POST", status=403, data=data)
    assert _count(ApiClient) == 0


def test_another_organisations_admin_gets_403_and_its_clients_are_not_found_here(
    dft, home_office, admin, signed_in
):
    client_id, _ = _register(signed_in(admin))
    outsider = create_user(email="admin@homeoffice.gov.uk", organisation=home_office, roles=("org_admin",))
    client = signed_in(outsider)
    for path in (CLIENTS, NEW, f"{CLIENTS}/{client_id}/rotate", f"{CLIENTS}/{client_id}/revoke"):
        page(client, path, status=403)
    # Their own organisation's URL with DfT's client in it: not found, and nothing changes.
    theirs = f"/organisations/home-office/api-clients/{client_id}"
    csrf = _csrf(page(client, "/organisations/home-office/api-clients", status=200).text)
    for action in ("rotate", "revoke"):
        page(client, f"{theirs}/{action}", status=404)
        page(client, f"{theirs}/{action}", method="POST", status=404, data={"csrf_token": csrf})
    record = _only_client()
    assert record.revoked_at is None and record.secret_rotated_at is None
    page(client, "/organisations/no-such-organisation/api-clients", status=404)


def test_a_site_admin_may_manage_any_organisations_clients(dft, signed_in):
    client = signed_in(create_user(email="sam@cabinetoffice.gov.uk", roles=("site_admin",)))
    client_id, secret = _register(client)
    assert secret and _only_client().created_by_label == "sam@cabinetoffice.gov.uk"
    page(client, f"{CLIENTS}/{client_id}/rotate", status=200)


def test_signed_out_visitors_are_sent_to_sign_in(dft, client):
    for path in (CLIENTS, NEW, f"{CLIENTS}/dmc_x/rotate", f"{CLIENTS}/dmc_x/revoke"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith(f"/login?next={path}")


def test_a_form_without_its_csrf_token_is_refused_and_changes_nothing(dft, admin, signed_in):
    client = signed_in(admin)
    client_id, secret = _register(client)
    data = {"name": "x", "scope": ["discover"], "expires": "30"}
    page(client, NEW, method="POST", status=400, data=data)
    page(client, NEW, method="POST", status=400, data={**data, "csrf_token": "forged"})
    for action in ("rotate", "revoke"):
        page(client, f"{CLIENTS}/{client_id}/{action}", method="POST", status=400, data={})
    assert _count(ApiClient) == 1
    record = _only_client()
    assert record.revoked_at is None and check_client_secret(record, secret)


# --- rotating and revoking ----------------------------------------------------------------------


def test_rotating_asks_first_then_shows_the_new_secret_once_and_the_old_one_stops_working(
    dft, admin, signed_in
):
    client = signed_in(admin)
    client_id, old_secret = _register(client)
    token, _ = issue_access_token(_only_client(), ["discover"])
    confirm = page(client, f"{CLIENTS}/{client_id}/rotate", status=200).text
    assert h1_of(confirm) == "Are you sure you want a new secret for \u2018Transport catalogue\u2019?"
    assert "Yes, make a new secret" in confirm and f'href="{CLIENTS}">Cancel</a>' in confirm
    assert check_client_secret(_only_client(), old_secret)  # asking changes nothing
    response = page(
        client,
        f"{CLIENTS}/{client_id}/rotate",
        method="POST",
        status=200,
        data={"csrf_token": _csrf(confirm)},
    )
    assert response.headers["Cache-Control"] == "no-store"
    assert "The old secret no longer works, and nor do the tokens" in response.text
    new_secret = _shown(response.text, "client-secret")
    assert new_secret and new_secret != old_secret
    record = _only_client()
    assert record.secret_hash == hash_secret(new_secret) and not check_client_secret(record, old_secret)
    assert record.secret_rotated_at is not None and _count(ApiClientToken) == 0
    with pytest.raises(AuthenticationError, match="not recognised"):
        authenticate_client_token(token)
    assert new_secret not in page(client, CLIENTS, status=200).text


def test_revoking_asks_first_then_returns_to_the_list_with_a_banner(dft, admin, signed_in):
    client = signed_in(admin)
    client_id, secret = _register(client)
    token, _ = issue_access_token(_only_client(), ["discover"])
    confirm = page(client, f"{CLIENTS}/{client_id}/revoke", status=200).text
    assert h1_of(confirm) == "Are you sure you want to revoke the API client \u2018Transport catalogue\u2019?"
    assert "Yes, revoke this client" in confirm and f'href="{CLIENTS}">Cancel</a>' in confirm
    assert _only_client().revoked_at is None
    response = page(
        client,
        f"{CLIENTS}/{client_id}/revoke",
        method="POST",
        status=302,
        data={"csrf_token": _csrf(confirm)},
    )
    assert response.headers["Location"] == CLIENTS
    html = page(client, CLIENTS, status=200).text
    assert "govuk-notification-banner--success" in html
    assert "The API client &#39;Transport catalogue&#39; has been revoked" in html
    record = _only_client()
    assert record.revoked_at is not None and record.revoked_by_label == "admin@dft.gov.uk"
    assert _count(ApiClientToken) == 0 and not record.is_active()
    with pytest.raises(AuthenticationError, match="not recognised"):
        authenticate_client_token(token)
    # Asked again: it says so; a new secret for it is refused with the reason.
    page(client, f"{CLIENTS}/{client_id}/revoke", status=302)
    assert "was already revoked" in page(client, CLIENTS, status=200).text
    refused = page(client, f"{CLIENTS}/{client_id}/rotate", status=409).text
    assert "There is a problem" in refused and "is revoked: register a new one" in refused
    csrf = _csrf(page(client, CLIENTS, status=200).text)
    page(client, f"{CLIENTS}/{client_id}/rotate", method="POST", status=409, data={"csrf_token": csrf})
    assert _only_client().secret_hash == hash_secret(secret)


@pytest.mark.parametrize(
    "client_id", ["dmc_000000000000000000000000", "not-a-uuid", "00000000-0000-0000-0000-000000000000"]
)
def test_a_client_that_does_not_exist_is_not_found(dft, admin, signed_in, client_id):
    client = signed_in(admin)
    for action in ("rotate", "revoke"):
        page(client, f"{CLIENTS}/{client_id}/{action}", status=404)


# --- links --------------------------------------------------------------------------------------


def test_org_admins_find_the_page_from_their_account_and_people_pages(dft, admin, signed_in):
    client = signed_in(admin)
    for path in (
        "/account",
        "/organisations/department-for-transport/people",
        "/organisations/department-for-transport",
    ):
        assert f'href="{CLIENTS}"' in page(client, path, status=200).text
    member = signed_in(create_user(email="pat@dft.gov.uk", organisation=dft))
    assert f'href="{CLIENTS}"' not in page(member, "/account", status=200).text
