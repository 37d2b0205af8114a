"""/readyz tells anyone only whether the service is ready (its body's status and the HTTP status);
the checks, the migration heads and the index's counts are for site admins and for the machine
itself (issue 11, section 6: it showed index counts to anyone)."""

from __future__ import annotations

import pytest
import requests

from marketplace import create_app
from marketplace.extensions import db
from marketplace.search import index_root, rebuild_index
from tests.auth.signin import configure_provider, sign_in_as
from tests.conftest import make_app, serving
from tests.factories import create_organisation, create_token, create_user

ADMIN = "admin@cabinetoffice.gov.uk"
MEMBER = "member@dft.gov.uk"
ELSEWHERE = {"REMOTE_ADDR": "203.0.113.9"}
# How a request relayed by a proxy on the same machine says where it came from.
RELAYED = [
    {"X-Forwarded-For": "203.0.113.9"},
    {"X-Forwarded-For": "127.0.0.1"},
    {"Forwarded": "for=203.0.113.9"},
    {"X-Real-IP": "203.0.113.9"},
]


def assert_details(body: dict) -> None:
    assert body["checks"]["database"] == "ok" and body["checks"]["migrations"] == "ok"
    assert set(body["search"]) == {"available", "entries", "pending_changes", "oldest_pending_seconds"}


@pytest.fixture
def people(app):
    dft = create_organisation(slug="department-for-transport", email_domains=["dft.gov.uk"])
    admin = create_user(email=ADMIN, roles=("site_admin",))
    member = create_user(email=MEMBER, organisation=dft, roles=("member",))
    return {"admin": create_token(user=admin, scopes=("read",)), "member": create_token(user=member)}


def test_a_caller_from_elsewhere_is_told_only_whether_it_is_ready(client):
    response = client.get("/readyz", environ_base=ELSEWHERE)
    assert response.status_code == 200
    assert response.get_json() == {"status": "degraded"}  # no index built yet: serving from the database
    rebuild_index(index_root())
    assert client.get("/readyz", environ_base=ELSEWHERE).get_json() == {"status": "ok"}


@pytest.mark.parametrize("headers", RELAYED, ids=lambda h: next(iter(h)))
def test_a_request_relayed_by_a_proxy_is_told_only_the_status_over_http(live_server, headers):
    response = requests.get(f"{live_server}/readyz", headers=headers, timeout=10)
    assert response.status_code == 200
    assert response.json() == {"status": "degraded"}


def test_a_request_from_the_machine_itself_gets_the_details_over_http(live_server):
    response = requests.get(f"{live_server}/readyz", timeout=10)
    assert response.status_code == 200
    assert_details(response.json())


def test_a_forwarded_address_cannot_pass_for_the_machine_itself_behind_proxy_fix(database_url, tmp_path):
    behind_proxy = make_app(database_url, tmp_path, PROXY_HOPS=1)
    try:
        with serving(behind_proxy) as base:
            for claimed in ("127.0.0.1", "::1"):
                response = requests.get(f"{base}/readyz", headers={"X-Forwarded-For": claimed}, timeout=10)
                assert response.json() == {"status": "degraded"}
    finally:
        with behind_proxy.app_context():
            db.engine.dispose()


@pytest.mark.parametrize("address", ["127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"])
def test_each_loopback_address_counts_as_the_machine_itself(client, address):
    assert_details(client.get("/readyz", environ_base={"REMOTE_ADDR": address}).get_json())


@pytest.mark.parametrize("address", ["203.0.113.9", "10.0.0.5", "::ffff:10.0.0.5", "2001:db8::1", ""])
def test_any_other_address_is_told_only_the_status(client, address):
    assert client.get("/readyz", environ_base={"REMOTE_ADDR": address}).get_json() == {"status": "degraded"}


def test_a_site_admins_token_gets_the_details_from_anywhere(client, people):
    auth = {"Authorization": f"Bearer {people['admin']}"}
    response = client.get("/readyz", environ_base=ELSEWHERE, headers=auth)
    assert response.status_code == 200
    assert_details(response.get_json())


def test_another_token_is_told_only_the_status(client, people):
    auth = {"Authorization": f"Bearer {people['member']}"}
    assert client.get("/readyz", environ_base=ELSEWHERE, headers=auth).get_json() == {"status": "degraded"}


def test_a_token_that_does_not_check_out_is_refused(client):
    response = client.get("/readyz", environ_base=ELSEWHERE, headers={"Authorization": "Bearer nonsense"})
    assert response.status_code == 401
    assert "checks" not in response.get_json()


def test_a_site_admin_signed_in_gets_the_details_through_a_proxy_and_a_member_does_not(live_server, people):
    configure_provider(live_server, reset=True)
    relayed = {"X-Forwarded-For": "203.0.113.9"}
    admin, _ = sign_in_as(live_server, ADMIN, next_path="/")
    assert_details(admin.get(f"{live_server}/readyz", headers=relayed, timeout=10).json())
    member, _ = sign_in_as(live_server, MEMBER, next_path="/")
    assert member.get(f"{live_server}/readyz", headers=relayed, timeout=10).json() == {"status": "degraded"}


def test_an_unready_service_tells_others_only_that(new_database_url, tmp_path):
    broken = create_app(
        {
            "MARKETPLACE_ENV": "test",
            "DATABASE_URL": new_database_url(),
            "SEARCH_INDEX_DIR": str(tmp_path / "index"),
        },
        instance_path=str(tmp_path / "instance"),
    )
    try:
        response = broken.test_client().get("/readyz", environ_base=ELSEWHERE)
        assert response.status_code == 503
        assert response.get_json() == {"status": "unavailable"}
        # The machine itself still reads why.
        local = broken.test_client().get("/readyz")
        assert local.status_code == 503 and local.get_json()["checks"]["database"] != "ok"
    finally:
        with broken.app_context():
            db.engine.dispose()


@pytest.mark.parametrize("path", ["/readyz", "/healthz"])
def test_the_answers_are_never_stored(client, path):
    assert client.get(path).headers["Cache-Control"] == "no-store"
