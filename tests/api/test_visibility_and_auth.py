"""Who sees what, and who may change what: the visibility rules and API authentication.

Anonymous callers see published OPEN entries; any token sees every published entry; drafts only
the owning organisation's publishers; withdrawn entries stay reachable by URL but leave lists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from marketplace.extensions import db
from marketplace.models import ApiToken
from marketplace.services.datasets import withdraw_dataset
from marketplace.services.tokens import hash_token, revoke_token
from tests.factories import ADMIN, create_dataset, create_organisation, create_token, create_user, valid_entry
from tests.helpers import api
from tests.support import refused

DATASETS = "/api/v1/datasets"


@dataclass
class Tokens:
    publisher: str  # ann: publisher at DfT
    member: str  # bob: member of DfT without the publisher role
    other_publisher: str  # eve: publisher at DfE
    reader: str  # carol: signed in, in no organisation
    read_only: str  # ann again, with a token that may only read


@pytest.fixture
def tokens(app) -> Tokens:
    dft = create_organisation()
    dfe = create_organisation(
        slug="department-for-education", title="Department for Education", abbreviation="DfE"
    )
    ann = create_user(email="ann@dft.gov.uk", organisation=dft, roles=("publisher",))
    bob = create_user(email="bob@dft.gov.uk", organisation=dft, roles=("member",))
    eve = create_user(email="eve@education.gov.uk", organisation=dfe, roles=("publisher",))
    carol = create_user(email="carol@cabinetoffice.gov.uk", roles=())
    for organisation, title, status, access in (
        (dft, "Open roads", "published", "OPEN"),
        (dft, "Internal roads", "published", "INTERNAL"),
        (dft, "Draft roads", "draft", "OPEN"),
        (dft, "Withdrawn roads", "published", "OPEN"),
        (dfe, "Schools", "published", "OPEN"),
        (dfe, "Draft schools", "draft", "OPEN"),
    ):
        create_dataset(organisation=organisation, title=title, status=status, access_rights=access)
    withdraw_dataset(ADMIN, "withdrawn-roads")
    return Tokens(
        publisher=create_token(user=ann),
        member=create_token(user=bob),
        other_publisher=create_token(user=eve),
        reader=create_token(user=carol),
        read_only=create_token(user=ann, scopes=("read",)),
    )


def titles(client, query: str = "", token: str | None = None) -> set[str]:
    body = api(client, "GET", f"{DATASETS}{query}", status=200, token=token).get_json()
    assert body["total"] == len(body["items"])
    return {item["title"] for item in body["items"]}


def counts(client, token: str | None = None) -> dict[str, int]:
    body = api(client, "GET", "/api/v1/organisations", status=200, token=token).get_json()
    return {item["slug"]: item["dataset_count"] for item in body["items"]}


# Reading ---------------------------------------------------------------------------------------


def test_anonymous_callers_see_only_published_open_entries(client, tokens):
    assert titles(client) == {"Open roads", "Schools"}
    api(client, "GET", f"{DATASETS}/open-roads", status=200)
    for slug in ("internal-roads", "draft-roads", "draft-schools"):
        api(client, "GET", f"{DATASETS}/{slug}", status=404)
        api(client, "GET", f"{DATASETS}/{slug}/quality", status=404)
        api(client, "GET", f"{DATASETS}/{slug}/revisions", status=404)
    assert counts(client) == {"department-for-education": 1, "department-for-transport": 1}
    detail = api(client, "GET", "/api/v1/organisations/department-for-transport", status=200).get_json()
    assert detail["dataset_count"] == 1


def test_any_token_sees_every_published_entry_but_no_drafts(client, tokens):
    assert titles(client, token=tokens.reader) == {"Open roads", "Internal roads", "Schools"}
    api(client, "GET", f"{DATASETS}/internal-roads", status=200, token=tokens.reader)
    api(client, "GET", f"{DATASETS}/draft-roads", status=404, token=tokens.reader)
    assert counts(client, tokens.reader) == {"department-for-education": 1, "department-for-transport": 2}


def test_drafts_are_seen_only_by_the_owning_organisations_publishers(client, tokens):
    api(client, "GET", f"{DATASETS}/draft-roads", status=200, token=tokens.publisher)
    api(client, "GET", f"{DATASETS}/draft-roads", status=200, token=tokens.read_only)
    api(client, "GET", f"{DATASETS}/draft-schools", status=404, token=tokens.publisher)
    for token in (tokens.member, tokens.other_publisher, tokens.reader, None):
        api(client, "GET", f"{DATASETS}/draft-roads", status=404, token=token)
    assert "Draft roads" not in titles(client, token=tokens.publisher)


def test_a_withdrawn_entry_is_reachable_by_url_but_not_in_the_default_list(client, tokens):
    for token in (None, tokens.reader, tokens.publisher):
        body = api(client, "GET", f"{DATASETS}/withdrawn-roads", status=200, token=token).get_json()
        assert body["status"] == "withdrawn"
        assert "Withdrawn roads" not in titles(client, token=token)
    assert counts(client, tokens.publisher)["department-for-transport"] == 2
    assert titles(client, "?status=withdrawn", token=tokens.publisher) == {"Withdrawn roads"}
    assert titles(client, "?status=withdrawn") == set()


def test_status_draft_lists_only_the_callers_own_organisations_drafts(client, tokens):
    assert titles(client, "?status=draft", token=tokens.publisher) == {"Draft roads"}
    assert titles(client, "?status=draft", token=tokens.other_publisher) == {"Draft schools"}
    for token in (tokens.member, tokens.reader, None):
        assert titles(client, "?status=draft", token=token) == set()
    assert titles(client, "?status=draft,published", token=tokens.publisher) == {
        "Draft roads",
        "Open roads",
        "Internal roads",
        "Schools",
    }


# Changing --------------------------------------------------------------------------------------


def writes(path: str) -> list[tuple[str, str, dict]]:
    """Every kind of change to the entry at `path`, with a body that would otherwise be accepted."""
    return [
        ("POST", DATASETS, {"json": valid_entry()}),
        ("PUT", path, {"json": valid_entry(title="Open roads", summary="Changed.")}),
        ("PATCH", path, {"json": {"summary": "Changed."}}),
        ("PUT", f"{path}/quality", {"json": {"accuracy": {"rating": 3, "assessed_on": "2025-01-01"}}}),
        ("DELETE", path, {}),
    ]


def test_a_publisher_cannot_change_another_departments_entries(client, tokens):
    for method, path, kwargs in writes(f"{DATASETS}/open-roads"):
        problem = refused(client, method, path, status=403, token=tokens.other_publisher, **kwargs)
        assert "Department for Transport" in problem["detail"]


def test_a_publisher_cannot_move_an_entry_to_another_department(client, tokens):
    body = {"publisher": "department-for-education"}
    refused(client, "PATCH", f"{DATASETS}/open-roads", status=403, token=tokens.publisher, json=body)


def test_a_member_without_the_publisher_role_cannot_change_entries(client, tokens):
    for method, path, kwargs in writes(f"{DATASETS}/open-roads"):
        refused(client, method, path, status=403, token=tokens.member, **kwargs)


def test_a_read_only_token_cannot_change_entries(client, tokens):
    for method, path, kwargs in writes(f"{DATASETS}/open-roads"):
        problem = refused(client, method, path, status=403, token=tokens.read_only, **kwargs)
        assert "publish scope" in problem["detail"]
    api(client, "GET", f"{DATASETS}/open-roads", status=200, token=tokens.read_only)


def test_the_publisher_may_change_its_own_entries(client, tokens):
    for method, path, kwargs in writes(f"{DATASETS}/open-roads"):
        status = {"POST": 201, "DELETE": 204}.get(method, 200)
        api(client, method, path, status=status, token=tokens.publisher, **kwargs)


def test_a_write_without_a_token_is_401_with_www_authenticate(client, tokens):
    for method, path, kwargs in writes(f"{DATASETS}/open-roads"):
        problem = refused(client, method, path, status=401, **kwargs)
        assert "token" in problem["detail"]
        response = api(client, method, path, status=401, **kwargs)
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


# Tokens ----------------------------------------------------------------------------------------


def _stored_token(secret: str) -> ApiToken:
    db.session.expire_all()
    return db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(secret)))


def _assert_refused_everywhere(client, headers: dict[str, str]) -> None:
    for path in (DATASETS, f"{DATASETS}/open-roads", "/api/v1/organisations", "/api/v1/me"):
        response = api(client, "GET", path, status=401, headers=headers)
        assert response.mimetype == "application/problem+json"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    refused(client, "PATCH", f"{DATASETS}/open-roads", status=401, headers=headers, json={"summary": "x"})


def test_an_expired_token_is_refused_even_for_reading(client, tokens):
    user = _stored_token(tokens.publisher).user
    secret = create_token(user=user, expires_days=1)
    api(client, "GET", "/api/v1/me", status=200, token=secret)
    db.session.execute(
        update(ApiToken)
        .where(ApiToken.token_hash == hash_token(secret))
        .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
    )
    db.session.commit()
    _assert_refused_everywhere(client, {"Authorization": f"Bearer {secret}"})


def test_a_revoked_token_is_refused_even_for_reading(client, tokens):
    revoke_token(ADMIN, str(_stored_token(tokens.publisher).id))
    _assert_refused_everywhere(client, {"Authorization": f"Bearer {tokens.publisher}"})


@pytest.mark.parametrize(
    "authorization",
    ["Bearer dm_not-a-real-token", "Bearer ", "Basic YW5uQGRmdC5nb3YudWs6c2VjcmV0", "Token dm_abc", "dm_abc"],
)
def test_an_unknown_token_or_another_scheme_is_refused_even_for_reading(client, tokens, authorization):
    _assert_refused_everywhere(client, {"Authorization": authorization})


def test_a_token_records_when_it_was_last_used(client, tokens):
    assert _stored_token(tokens.reader).last_used_at is None
    before = datetime.now(UTC)
    api(client, "GET", DATASETS, status=200, token=tokens.reader)
    used = _stored_token(tokens.reader).last_used_at
    assert used is not None and before - timedelta(seconds=1) <= used <= datetime.now(UTC)


# Who changed what, and who am I ----------------------------------------------------------------


def test_revisions_show_the_editor_to_the_organisation_and_only_its_name_to_others(client, tokens):
    api(client, "PATCH", f"{DATASETS}/open-roads", status=200, token=tokens.publisher, json={"version": "2"})
    path = f"{DATASETS}/open-roads/revisions"
    for token in (tokens.publisher, tokens.member):
        actors = [
            item["actor"] for item in api(client, "GET", path, status=200, token=token).get_json()["items"]
        ]
        assert actors == ["ann@dft.gov.uk", "system:tests"]
    for token in (tokens.other_publisher, tokens.reader, None):
        body = api(client, "GET", path, status=200, token=token).get_json()
        assert [item["actor"] for item in body["items"]] == ["Department for Transport", "system:tests"]
        assert "ann@dft.gov.uk" not in str(body)


def test_me_needs_a_caller(client, tokens):
    response = api(client, "GET", "/api/v1/me", status=401)
    assert response.mimetype == "application/problem+json"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_me_shows_the_callers_email_organisation_and_roles(client, tokens):
    body = api(client, "GET", "/api/v1/me", status=200, token=tokens.publisher).get_json()
    assert body["email"] == "ann@dft.gov.uk"
    assert body["organisation"] == "department-for-transport"
    assert body["roles"] == ["member", "publisher"]
    assert body["scopes"] == ["publish", "read"]
    reader = api(client, "GET", "/api/v1/me", status=200, token=tokens.reader).get_json()
    assert (reader["email"], reader["organisation"], reader["roles"]) == (
        "carol@cabinetoffice.gov.uk",
        None,
        [],
    )
    assert api(client, "GET", "/api/v1/me", status=200, token=tokens.read_only).get_json()["scopes"] == [
        "read"
    ]
