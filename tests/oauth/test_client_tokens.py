"""A client's token on /api/v1: it acts for the client's organisation within its scopes, and stops
working when it expires, when the client is revoked or expires, and when the secret is rotated."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from marketplace.extensions import db
from marketplace.models import ApiClient, ApiClientToken, Dataset
from marketplace.models.types import utcnow
from marketplace.services.api_clients import revoke_client, rotate_secret
from tests.factories import ADMIN, create_dataset, valid_entry
from tests.helpers import api, assert_problem
from tests.oauth.conftest import assertion, assertion_form, new_key, register


def get_token(client, registered, scope: str | None = None) -> str:
    form = {"grant_type": "client_credentials", **({"scope": scope} if scope else {})}
    response = client.post("/ClientAuth/get-token", data=form, headers=registered.basic())
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["access_token"]


def test_me_names_the_client_its_organisation_and_its_scopes(client, organisation):
    registered = register(organisation, name="DfT catalogue sync", scopes="discover,publish")
    token = get_token(client, registered)
    body = api(client, "GET", "/api/v1/me", status=200, token=token).get_json()
    assert body["client"] == {"client_id": registered.client_id, "name": "DfT catalogue sync"}
    assert body["organisation"] == organisation.slug
    assert body["scopes"] == ["discover", "publish"]
    assert body["roles"] == [] and body["memberships"] == []
    assert "email" not in body


def test_me_shows_only_the_scopes_the_token_was_granted(client, organisation):
    registered = register(organisation)
    token = get_token(client, registered, scope="discover")
    assert api(client, "GET", "/api/v1/me", status=200, token=token).get_json()["scopes"] == ["discover"]


def test_a_client_publishes_for_its_organisation_and_not_for_another(
    client, organisation, other_organisation
):
    token = get_token(client, register(organisation))
    created = api(client, "POST", "/api/v1/datasets", status=201, token=token, json=valid_entry()).get_json()
    assert created["publisher"] == organisation.slug
    response = api(
        client,
        "POST",
        "/api/v1/datasets",
        status=403,
        token=token,
        json=valid_entry(publisher=other_organisation.slug),
    )
    assert_problem(response)
    theirs = create_dataset(organisation=other_organisation)
    api(client, "DELETE", f"/api/v1/datasets/{theirs.id}", status=403, token=token)


def test_a_discover_token_reads_but_may_not_write(client, organisation):
    token = get_token(client, register(organisation, scopes="discover"))
    api(client, "GET", "/api/v1/datasets", status=200, token=token)
    response = api(client, "POST", "/api/v1/datasets", status=403, token=token, json=valid_entry())
    assert "publish scope" in response.get_json()["detail"]
    assert db.session.scalar(select(Dataset)) is None


def test_deleting_needs_the_delete_scope(client, organisation):
    ours = create_dataset(organisation=organisation)
    token = get_token(client, register(organisation, scopes="discover,publish"))
    response = api(client, "DELETE", f"/api/v1/datasets/{ours.id}", status=403, token=token)
    assert "delete scope" in response.get_json()["detail"]
    token = get_token(client, register(organisation, name="Deleter", scopes="discover,publish,delete"))
    api(client, "DELETE", f"/api/v1/datasets/{ours.id}", status=204, token=token)


def test_an_expired_token_is_refused(client, organisation):
    token = get_token(client, register(organisation))
    db.session.execute(update(ApiClientToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    response = api(client, "GET", "/api/v1/me", status=401, token=token)
    assert "expired" in response.get_json()["detail"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_clients_token_stops_working_at_once(client, organisation):
    registered = register(organisation)
    token = get_token(client, registered)
    api(client, "GET", "/api/v1/me", status=200, token=token)
    revoke_client(ADMIN, registered.client_id)
    api(client, "GET", "/api/v1/me", status=401, token=token)


def test_an_expired_clients_token_stops_working(client, organisation):
    registered = register(organisation, expires_days=1)
    token = get_token(client, registered)
    db.session.execute(
        update(ApiClient).where(ApiClient.id == registered.record.id).values(expires_at=utcnow())
    )
    db.session.commit()
    api(client, "GET", "/api/v1/me", status=401, token=token)


def test_rotating_the_secret_ends_the_old_secret_and_its_tokens(client, organisation):
    registered = register(organisation)
    token = get_token(client, registered)
    _, new_secret = rotate_secret(ADMIN, registered.client_id)
    api(client, "GET", "/api/v1/me", status=401, token=token)
    response = client.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, headers=registered.basic()
    )
    assert response.status_code == 401 and response.get_json()["error"] == "invalid_client"
    registered.secret = new_secret
    api(client, "GET", "/api/v1/me", status=200, token=get_token(client, registered))


def test_a_key_clients_token_works_like_any_other(client, organisation, token_url):
    registered = register(organisation, scopes="discover", key=new_key("EC"))
    signed = assertion(registered.client_id, registered.key, token_url)
    response = client.post("/oauth/token", data=assertion_form(registered.client_id, signed))
    token = response.get_json()["access_token"]
    assert api(client, "GET", "/api/v1/me", status=200, token=token).get_json()["scopes"] == ["discover"]


def test_a_made_up_client_token_is_refused(client, organisation):
    api(client, "GET", "/api/v1/me", status=401, token="dmct_made-up")
