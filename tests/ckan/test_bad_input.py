"""Whatever is sent, the Action API answers with CKAN's error envelope (never a 500) and
changes nothing."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import requests

from marketplace.auth.session import SESSION_KEY
from marketplace.ckan.views import READ_ACTIONS, WRITE_ACTIONS
from marketplace.extensions import db
from marketplace.models import Dataset, User
from marketplace.services.sessions import SessionPolicy, start_session


def _call(base: str, name: str, *, token: str | None = None, **kwargs) -> requests.Response:
    headers = kwargs.pop("headers", {}) | ({"Authorization": token} if token else {})
    method = "GET" if "params" in kwargs else "POST"
    return requests.request(method, f"{base}/api/3/action/{name}", headers=headers, timeout=10, **kwargs)


def _error(response: requests.Response, status: int, kind: str) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["success"] is False and body["help"].endswith(
        f"?name={response.url.split('/')[-1].split('?')[0]}"
    )
    assert body["error"]["__type"] == kind
    return body["error"]


def _state() -> list[tuple]:
    db.session.expire_all()
    return [
        (d.slug, d.lock_version, d.deleted_at)
        for d in db.session.scalars(db.select(Dataset).order_by(Dataset.slug))
    ]


def test_an_unknown_action_is_a_bad_request(live_server, catalogue):
    _error(_call(live_server, "package_revise", json={}), 400, "Bad Request Error")


@pytest.mark.parametrize("name", sorted(WRITE_ACTIONS))
def test_a_write_by_get_is_a_bad_request(live_server, catalogue, name):
    before = _state()
    _error(
        _call(live_server, name, token=catalogue.token, params={"id": catalogue.roads.slug}),
        400,
        "Bad Request Error",
    )
    assert _state() == before


@pytest.mark.parametrize("body", ["[]", '"text"', "1", "null", "{not json", '{"rows": 1' + "0" * 40 + "}"])
def test_a_body_that_is_not_a_json_object_is_a_bad_request(live_server, catalogue, body):
    response = _call(live_server, "package_search", data=body, headers={"Content-Type": "application/json"})
    _error(response, 400, "Bad Request Error")


@pytest.mark.parametrize("name", sorted(READ_ACTIONS) + sorted(WRITE_ACTIONS))
def test_every_action_refuses_an_unknown_parameter(live_server, catalogue, name):
    before = _state()
    body = {"id": catalogue.roads.slug, "no_such_parameter": 1}
    error = _error(_call(live_server, name, token=catalogue.token, json=body), 409, "Validation Error")
    assert "no_such_parameter" in error
    assert _state() == before


@pytest.mark.parametrize(
    "name",
    [
        "package_show",
        "organization_show",
        "resource_show",
        "package_update",
        "package_patch",
        "package_delete",
    ],
)
def test_actions_that_name_a_record_refuse_a_missing_or_wrongly_typed_id(live_server, catalogue, name):
    before = _state()
    for body in ({}, {"id": 123}, {"id": ["a"]}):
        error = _error(_call(live_server, name, token=catalogue.token, json=body), 409, "Validation Error")
        assert "id" in error
    assert _state() == before


@pytest.mark.parametrize(
    "params",
    [
        {"rows": "100000"},
        {"rows": "many"},
        {"start": "-1"},
        {"start": "9" * 40},
        {"facet.limit": "x"},
        {"include_private": "perhaps"},
        {"facet.field": "[not json"},
        {"facet.field": "[1, 2]"},
        {"q": "x" * 501},
    ],
)
def test_package_search_refuses_bad_parameters_as_validation_errors(live_server, catalogue, params):
    _error(_call(live_server, "package_search", params=params), 409, "Validation Error")


@pytest.mark.parametrize(
    "fq",
    [
        "organization:(",
        'tags:"unclosed',
        "no_such_field:x",
        "metadata_modified:[yesterday TO *]",
        "metadata_modified:[2020-01-01T00:00:00Z TO",
        "tags:[a TO b]",
        "(" * 50 + "tags:a" + ")" * 50,
        "tags:a )",
        "OR",
        ":x",
        "x" * 3000,
    ],
)
def test_a_malformed_fq_is_a_search_query_error(live_server, catalogue, fq):
    _error(_call(live_server, "package_search", params={"fq": fq}), 400, "Search Query Error")


@pytest.mark.parametrize("sort", ["popularity desc", "title_string sideways", "score", ""])
def test_an_unknown_sort_is_a_search_query_error(live_server, catalogue, sort):
    if sort == "":
        assert _call(live_server, "package_search", params={"sort": sort}).json()["success"] is True
        return
    _error(_call(live_server, "package_search", params={"sort": sort}), 400, "Search Query Error")


def test_list_parameters_may_be_json_text_on_get(live_server, catalogue):
    response = _call(live_server, "package_search", params={"facet.field": '["tags"]', "rows": "0"})
    body = response.json()
    assert body["success"] is True and body["result"]["results"] == []
    assert body["result"]["facets"]["tags"]["rail"] == 1


def test_both_paths_and_both_token_headers_work(live_server, catalogue):
    for path in ("/api/action/package_search", "/api/3/action/package_search"):
        for header in ("Authorization", "X-CKAN-API-Key"):
            response = requests.post(
                live_server + path,
                json={"include_private": True, "rows": 100},
                headers={header: catalogue.token},
            )
            names = [p["name"] for p in response.json()["result"]["results"]]
            assert catalogue.internal.slug in names


def test_a_bad_token_is_an_authorization_error_even_for_reads(live_server, catalogue):
    _error(_call(live_server, "package_list", token="dm_wrong", json={}), 403, "Authorization Error")


def test_writes_that_fail_validation_change_nothing(live_server, catalogue):
    before = _state()
    bad = [
        {"id": catalogue.roads.slug, "tags": "not a list"},
        {"id": catalogue.roads.slug, "resources": [{"name": "x", "url": "ftp://nope", "size": 10**25}]},
        {"id": catalogue.roads.slug, "extras": [{"key": "access_rights", "value": "SECRET"}]},
        {"id": catalogue.roads.slug, "extras": [{"key": "quality", "value": "{not json"}]},
        {"id": catalogue.roads.slug, "extras": "nope"},
        {"id": catalogue.roads.slug, "owner_org": "no-such-department"},
        {"id": catalogue.roads.slug, "name": "Not A Slug"},
    ]
    for body in bad:
        for name in ("package_patch", "package_update"):
            _error(_call(live_server, name, token=catalogue.token, json=body), 409, "Validation Error")
    assert _state() == before


def test_a_signed_in_session_counts_for_nothing_on_this_api(client, catalogue):
    """The API is exempt from CSRF protection, so a cookie must never act for its holder here."""
    user = db.session.scalar(db.select(User).where(User.email == "ann@department-for-transport.gov.uk"))
    _, secret = start_session(
        user,
        SessionPolicy(idle=timedelta(minutes=60), absolute=timedelta(hours=12)),
        provider_sid=None,
        id_token=None,
    )
    with client.session_transaction() as session:
        session[SESSION_KEY] = secret
    before = _state()
    created = client.post(
        "/api/action/package_patch", json={"id": catalogue.roads.slug, "title": "By cookie"}
    )
    assert created.status_code == 403 and created.json["error"]["__type"] == "Authorization Error"
    search = client.post("/api/action/package_search", json={"include_private": True, "include_drafts": True})
    assert catalogue.draft.slug not in [p["name"] for p in search.json["result"]["results"]]
    assert _state() == before


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("package_search", {"q": "\x00"}),
        ("package_search", {"q": "road\udcff"}),
        ("package_search", {"fq": "tags:\x00"}),
        ("package_search", {"q": 'title:(road OR "rail'}),
        ("package_show", {"id": "x" * 5000}),
        ("package_show", {"id": "../../etc/passwd"}),
        ("organization_show", {"id": "\x00"}),
        ("resource_show", {"id": "not-a-uuid"}),
        ("tag_list", {"query": "%_\\"}),
    ],
)
def test_hostile_values_get_an_envelope_never_a_500(live_server, catalogue, name, params):
    response = requests.post(f"{live_server}/api/3/action/{name}", json=params, timeout=10)
    assert response.status_code < 500, response.text
    assert isinstance(response.json()["success"], bool)


def test_a_body_over_the_size_limit_gets_an_error_and_changes_nothing(live_server, catalogue):
    before = _state()
    body = json.dumps({"id": catalogue.roads.slug, "notes": "x" * 3_000_000})
    response = _call(
        live_server,
        "package_patch",
        token=catalogue.token,
        data=body,
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 413 and response.json()["success"] is False
    assert _state() == before
