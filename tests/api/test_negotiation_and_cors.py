"""/api/v1 answers 406 to a client that takes nothing it can send, and lets scripts on other sites
read what anyone may read (CORS) while keeping credentialed answers and writes to itself."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from marketplace.api import negotiation
from tests.api.test_datasets_lifecycle import create
from tests.conftest import make_app
from tests.factories import valid_entry
from tests.helpers import api, assert_problem
from tests.web.pages import BROWSER_ACCEPT

DATASETS = "/api/v1/datasets"
ORIGIN = "https://dashboard.example.org"
CORS_HEADERS = (
    "Access-Control-Allow-Origin",
    "Access-Control-Allow-Methods",
    "Access-Control-Allow-Headers",
    "Access-Control-Max-Age",
    "Access-Control-Expose-Headers",
    "Access-Control-Allow-Credentials",
)


@pytest.fixture
def entry(client, token) -> str:
    created = create(client, token, title="Road casualties", status="published")
    return f"{DATASETS}/{created['slug']}"


# 406 -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "accept",
    [
        "text/turtle",
        "text/csv",
        "application/xml",
        "text/html",
        "application/ld+json",
        "application/json;q=0",
        "*/*;q=0",
        "application/json;q=0, */*",  # the specific range's q=0 wins over the wildcard
        "text/csv, application/*;q=0",
    ],
)
def test_a_client_that_takes_no_json_gets_406_naming_what_there_is(client, entry, accept):
    for path in (entry, DATASETS, "/api/v1/licences"):
        response = api(client, "GET", path, status=406, headers={"Accept": accept})
        body = assert_problem(response)
        assert body["code"] == "not_acceptable"
        assert body["available"] == ["application/json"]
        assert "Accept: application/json" in body["detail"]


@pytest.mark.parametrize(
    "accept",
    [
        "*/*",
        BROWSER_ACCEPT,
        "application/json",
        "APPLICATION/JSON",
        "application/*",
        "application/problem+json",
        "application/*+json",
        "text/turtle, application/json;q=0.1",
        "",  # empty: takes anything
        "nonsense",  # no valid media range: as if absent
    ],
)
def test_json_goes_to_whoever_takes_it(client, entry, accept):
    response = api(client, "GET", entry, status=200, headers={"Accept": accept})
    assert response.mimetype == "application/json"
    assert response.get_json()["title"] == "Road casualties"


def test_without_accept_the_answer_is_json(client, entry):
    assert api(client, "GET", entry, status=200).mimetype == "application/json"


def test_a_write_that_asks_for_csv_is_refused_before_it_changes_anything(client, token, entry):
    before = api(client, "GET", entry, status=200).headers["ETag"]
    api(
        client, "PATCH", entry, status=406, token=token, headers={"Accept": "text/csv"}, json={"version": "9"}
    )
    assert api(client, "GET", entry, status=200).headers["ETag"] == before


def test_an_unknown_path_is_still_404(client):
    assert_problem(api(client, "GET", "/api/v1/no-such-thing", status=404, headers={"Accept": "text/csv"}))


def test_the_json_lines_download_is_negotiated_as_json_lines(client, entry):
    for accept in ("application/x-ndjson", "*/*", "application/*"):
        response = api(client, "GET", "/api/v1/datasets.jsonl", status=200, headers={"Accept": accept})
        assert response.mimetype == "application/x-ndjson"
    for accept in ("text/csv", "application/json"):
        refused = api(client, "GET", "/api/v1/datasets.jsonl", status=406, headers={"Accept": accept})
        assert assert_problem(refused)["available"] == ["application/x-ndjson"]


def test_a_route_that_produces_another_type_is_negotiated_on_that_type(client, monkeypatch):
    monkeypatch.setattr(negotiation, "_OTHER_TYPES", {})

    def export_licences() -> None: ...

    negotiation.produces("application/x-ndjson")(export_licences)
    assert negotiation._OTHER_TYPES == {"api.export_licences": ("application/x-ndjson",)}

    # The same rule, through a route that exists (its body stays JSON: only the check is tested).
    monkeypatch.setattr(negotiation, "_OTHER_TYPES", {"api.licences": ("application/x-ndjson",)})
    api(client, "GET", "/api/v1/licences", status=200, headers={"Accept": "application/x-ndjson"})
    api(client, "GET", "/api/v1/licences", status=200, headers={"Accept": "*/*"})
    refused = api(client, "GET", "/api/v1/licences", status=406, headers={"Accept": "application/json"})
    assert assert_problem(refused)["available"] == ["application/x-ndjson"]


@pytest.mark.parametrize(
    ("accept", "offered", "taken"),
    [
        ("application/x-ndjson", ("application/x-ndjson",), True),
        ("application/*", ("application/x-ndjson",), True),
        ("application/json", ("application/x-ndjson",), False),
        ("application/*+json", ("application/x-ndjson",), False),
        ("application/x-ndjson;q=0, */*", ("application/x-ndjson",), False),
    ],
)
def test_acceptable_weighs_the_ranges_against_what_is_offered(accept, offered, taken):
    assert negotiation.acceptable(parse_accept_header(accept, MIMEAccept), offered) is taken


# CORS ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_an_anonymous_read_may_be_read_from_any_site(client, entry, method):
    for path in (entry, DATASETS, f"{DATASETS}/no-such-entry"):
        response = client.open(path, method=method, headers={"Origin": ORIGIN})
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        exposed = {h.strip() for h in response.headers["Access-Control-Expose-Headers"].split(",")}
        assert {"ETag", "Link", "Location", "Retry-After", "Idempotent-Replayed"} <= exposed
        assert "Access-Control-Allow-Credentials" not in response.headers
        assert {"Authorization", "Cookie"} <= set(response.vary)


def test_a_406_may_be_read_from_any_site_too(client, entry):
    response = api(client, "GET", entry, status=406, headers={"Accept": "text/turtle", "Origin": ORIGIN})
    assert response.headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("credentials", ["Authorization", "Cookie"])
def test_a_read_with_credentials_carries_no_cors_header(client, token, entry, credentials):
    headers = {"Origin": ORIGIN}
    if credentials == "Authorization":
        headers["Authorization"] = f"Bearer {token}"
    else:
        client.set_cookie("preferences", "any cookie at all")  # the test client writes Cookie
    response = client.get(entry, headers=headers)
    assert response.status_code == 200
    assert not set(CORS_HEADERS) & set(response.headers.keys())


def test_writes_carry_no_cors_header(client, token, entry):
    headers = {"Origin": ORIGIN, "Authorization": f"Bearer {token}"}
    responses = [
        client.post(DATASETS, json=valid_entry(title="Rail journeys"), headers=headers),
        client.patch(entry, json={"version": "2"}, headers=headers),
        client.delete(entry, headers=headers),
        client.patch(entry, json={"version": "3"}, headers={"Origin": ORIGIN}),
    ]
    assert [r.status_code for r in responses] == [201, 200, 204, 401]
    for response in responses:
        assert not set(CORS_HEADERS) & set(response.headers.keys())


def preflight(client, path: str, method: str, headers: str | None = None):
    sent = {"Origin": ORIGIN, "Access-Control-Request-Method": method}
    if headers:
        sent["Access-Control-Request-Headers"] = headers
    return client.options(path, headers=sent)


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_a_preflight_for_a_read_is_allowed(client, entry, method):
    response = preflight(client, entry, method, "if-none-match")
    assert response.status_code == 204 and not response.data
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS"
    allowed = {h.strip().lower() for h in response.headers["Access-Control-Allow-Headers"].split(",")}
    assert {"accept", "if-none-match"} <= allowed
    assert "authorization" not in allowed  # credentials are not for other sites' scripts
    assert int(response.headers["Access-Control-Max-Age"]) > 0
    assert "Access-Control-Allow-Credentials" not in response.headers
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_a_preflight_for_a_write_allows_nothing(client, entry, method):
    path = DATASETS if method == "POST" else entry
    response = preflight(client, path, method, "authorization, content-type")
    assert response.status_code == 204
    assert not set(CORS_HEADERS) & set(response.headers.keys())


def test_an_options_request_that_is_not_a_preflight_gets_allow(client, entry):
    response = client.options(entry)
    assert response.status_code == 200
    assert {m.strip() for m in response.headers["Allow"].split(",")} >= {"GET", "PATCH", "OPTIONS"}
    assert "Access-Control-Allow-Origin" not in response.headers


def test_preflights_do_not_spend_the_rate_limit(database_url, tmp_path):
    client = make_app(database_url, tmp_path, RATELIMIT_ENABLED=True).test_client()
    statuses = {preflight(client, f"{DATASETS}/anything", "GET").status_code for _ in range(70)}
    assert statuses == {204}
    assert client.get(DATASETS).status_code == 200  # 60 a minute: all still to spend
