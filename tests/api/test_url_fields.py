"""Every web address an entry holds is refused on input unless it is a plain http(s) address:
a host, a port from 1 to 65535, no user name or password, no spaces or control characters, no
".." path segments, not too long. And `serves_datasets` holds slugs, not paths or addresses.

Each refusal is a 422 problem+json naming the field, and stores nothing (tests.support.refused).
"""

from __future__ import annotations

from typing import Any

import pytest

from marketplace.rules.actors import Actor
from marketplace.schemas.web_address import (
    BAD_PORT,
    HAS_CREDENTIALS,
    HAS_DOT_SEGMENT,
    HAS_SPACE,
    NOT_VALID,
    TOO_LONG,
    web_address_problem,
)
from marketplace.services.importing import check_rows, parse_csv
from tests.factories import create_organisation, create_token, create_user, valid_entry
from tests.helpers import api
from tests.support import refused

DATASETS = "/api/v1/datasets"
HOST = "https://data.dft.gov.uk"

BAD_ADDRESSES = [
    ("user and password", f"https://ann:secret@{HOST[8:]}/c.csv", HAS_CREDENTIALS),
    ("user name only", f"https://ann@{HOST[8:]}/c.csv", HAS_CREDENTIALS),
    ("empty user", f"https://@{HOST[8:]}/c.csv", HAS_CREDENTIALS),
    ("port above 65535", f"{HOST}:65536/c.csv", BAD_PORT),
    ("port 0", f"{HOST}:0/c.csv", BAD_PORT),
    ("port not a number", f"{HOST}:https/c.csv", BAD_PORT),
    ("space inside", f"{HOST}/road casualties.csv", HAS_SPACE),
    ("tab inside", f"{HOST}/c.csv\tx", HAS_SPACE),
    ("newline inside", f"{HOST}/c.csv\nSet-Cookie: a=b", HAS_SPACE),
    ("control character", f"{HOST}/c\x01.csv", HAS_SPACE),
    ("DEL", f"{HOST}/c\x7f.csv", HAS_SPACE),
    ("no-break space", f"{HOST}/c\u00a0.csv", HAS_SPACE),
    ("right-to-left override", f"{HOST}/\u202evsc.exe", HAS_SPACE),
    ("dot-dot segment", f"{HOST}/datasets/../account/tokens", HAS_DOT_SEGMENT),
    ("encoded dot-dot", f"{HOST}/datasets/%2e%2E/account", HAS_DOT_SEGMENT),
    ("half-encoded dot-dot", f"{HOST}/datasets/.%2e/account", HAS_DOT_SEGMENT),
    ("dot-dot at the end", f"{HOST}/datasets/..", HAS_DOT_SEGMENT),
    ("backslash dot-dot", f"{HOST}/datasets\\..\\account", HAS_DOT_SEGMENT),
    ("too long", f"{HOST}/{'a' * 2030}", TOO_LONG),
    ("no scheme", "data.dft.gov.uk/c.csv", NOT_VALID),
    ("scheme-relative", "//data.dft.gov.uk/c.csv", NOT_VALID),
    ("javascript", "javascript:alert(1)", NOT_VALID),
    ("file", "file:///etc/passwd", NOT_VALID),
    ("ftp", "ftp://ftp.dft.gov.uk/c.csv", NOT_VALID),
    ("no host", "https:///c.csv", NOT_VALID),
    ("bad IPv6", "http://[::1/c.csv", NOT_VALID),
]
GOOD_ADDRESSES = [
    f"{HOST}/c.csv",
    f"{HOST}:8443/a/b.csv?year=2024&format=csv#notes",
    f"{HOST}:65535/c.csv",
    "http://localhost/dataset",
    "https://[2001:db8::1]/c.csv",
    f"{HOST}/a..b/c.csv",  # dots inside a segment are a name, not a step up
    f"{HOST}/files/?next=../up",  # the query is not the path
    f"{HOST}/road%20casualties.csv",
]


@pytest.mark.parametrize(
    ("text", "problem"), [case[1:] for case in BAD_ADDRESSES], ids=[case[0] for case in BAD_ADDRESSES]
)
def test_each_kind_of_bad_address_is_named_for_what_is_wrong(text, problem):
    assert web_address_problem(text) == problem


@pytest.mark.parametrize("text", GOOD_ADDRESSES)
def test_plain_web_addresses_are_accepted(text):
    assert web_address_problem(text) is None


@pytest.fixture
def dft(app):
    return create_organisation()


@pytest.fixture
def token(dft) -> str:
    user = create_user(email="ann@dft.gov.uk", organisation=dft, roles=("publisher",))
    return create_token(user=user)


def distribution(**fields: Any) -> dict[str, Any]:
    return {"title": "Casualties 2024", "download_url": f"{HOST}/c.csv", **fields}


def service_entry(**fields: Any) -> dict[str, Any]:
    service = {
        "type": "data_service",
        "distributions": [],
        "endpoint_url": "https://api.dft.gov.uk/v1",
        "service_type": "REST",
        "service_status": "LIVE",
    }
    return valid_entry(**{**service, **fields})


RATING = {"rating": 3, "assessed_on": "2025-01-01"}
# Every field that holds a web address: the body that puts `url` in it, and the field's name.
ADDRESS_FIELDS = [
    ("download_url", lambda url: valid_entry(distributions=[distribution(download_url=url)])),
    ("access_url", lambda url: valid_entry(distributions=[distribution(access_url=url)])),
    ("related_resources.0", lambda url: valid_entry(related_resources=[url])),
    ("endpoint_url", lambda url: service_entry(endpoint_url=url)),
    ("endpoint_description", lambda url: service_entry(endpoint_description=url)),
    (
        "quality.accuracy.action_plan_url",
        lambda url: valid_entry(quality={"accuracy": {**RATING, "action_plan_url": url}}),
    ),
]
FIELD_PATHS = {
    "download_url": "distributions.0.download_url",
    "access_url": "distributions.0.access_url",
}


@pytest.mark.parametrize(
    ("text", "problem"), [case[1:] for case in BAD_ADDRESSES], ids=[case[0] for case in BAD_ADDRESSES]
)
def test_a_download_url_refuses_each_kind_of_bad_address(client, token, text, problem):
    body = valid_entry(distributions=[distribution(download_url=text)])

    document = refused(
        client, "POST", DATASETS, status=422, fields=("distributions.0.download_url",), token=token, json=body
    )

    assert document["errors"]["distributions.0.download_url"] == [problem]


# One of each rule the old field let through, for every field (they share the one field type).
LET_THROUGH_BEFORE = [case for case in BAD_ADDRESSES if case[0] in {"user and password", "port 0", "DEL"}]
LET_THROUGH_BEFORE += [case for case in BAD_ADDRESSES if case[0] in {"port above 65535", "dot-dot segment"}]


@pytest.mark.parametrize(
    ("text", "problem"),
    [case[1:] for case in LET_THROUGH_BEFORE],
    ids=[case[0] for case in LET_THROUGH_BEFORE],
)
@pytest.mark.parametrize(("field", "body"), ADDRESS_FIELDS, ids=[case[0] for case in ADDRESS_FIELDS])
def test_every_address_field_refuses_a_bad_address_naming_the_field(
    client, token, field, body, text, problem
):
    path = FIELD_PATHS.get(field, field)

    document = refused(client, "POST", DATASETS, status=422, fields=(path,), token=token, json=body(text))

    assert document["errors"][path] == [problem]


@pytest.mark.parametrize(("field", "body"), ADDRESS_FIELDS, ids=[case[0] for case in ADDRESS_FIELDS])
def test_every_address_field_takes_a_plain_address_without_surrounding_spaces(client, token, field, body):
    created = api(
        client, "POST", DATASETS, status=201, token=token, json=body(f"  {HOST}:8443/a/b.csv?x=1  ")
    ).get_json()

    stored = {
        "download_url": lambda: created["distributions"][0]["download_url"],
        "access_url": lambda: created["distributions"][0]["access_url"],
        "related_resources.0": lambda: created["related_resources"][0],
        "endpoint_url": lambda: created["endpoint_url"],
        "endpoint_description": lambda: created["endpoint_description"],
        "quality.accuracy.action_plan_url": lambda: created["quality"]["declared"]["accuracy"][
            "action_plan_url"
        ],
    }[field]()
    assert stored == f"{HOST}:8443/a/b.csv?x=1"


@pytest.mark.parametrize(
    "served",
    [
        "../../account/tokens",
        "/account/tokens",
        "https://evil.example/phish",
        "road-traffic/../../logout",
        "Road traffic estimates",
        "road_traffic",
        "r" * 101,
        "",
    ],
)
def test_a_served_dataset_must_be_a_slug_not_a_path_or_address(client, token, served):
    body = service_entry(serves_datasets=[served])

    document = refused(
        client, "POST", DATASETS, status=422, fields=("serves_datasets.0",), token=token, json=body
    )

    assert document["errors"]["serves_datasets.0"][0].startswith("Must be")


def test_a_bad_address_in_a_csv_row_is_reported_in_its_column(dft):
    user = create_user(email="bob@dft.gov.uk", organisation=dft, roles=("publisher",))
    publisher = Actor.for_user(user, "session", {"read", "publish"})
    rows = parse_csv(
        "title,distribution_title,distribution_download_url\r\n"
        "Casualties,File,https://ann:secret@data.dft.gov.uk/c.csv\r\n"
        f"Traffic,File,{HOST}/datasets/../c.csv\r\n"
    )

    report = check_rows(publisher, dft, rows)

    assert {(e.row, e.column, e.message) for e in report.errors} == {
        (2, "distribution_download_url", HAS_CREDENTIALS),
        (3, "distribution_download_url", HAS_DOT_SEGMENT),
    }
