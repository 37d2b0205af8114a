"""Numbers too big to mean anything are refused with 400 or 422 naming what was wrong, never a
500: in JSON bodies (Python's int() raises ValueError past 4,300 digits), in query parameters and
in headers; a number merely too big for its field gets that field's own message.

(The review sent a 5,000-digit integer in a body: 500.)
"""

from __future__ import annotations

import json
import socket
from urllib.parse import urlsplit

import pytest
import requests
from sqlalchemy import select

from marketplace.api.http import MAX_INTEGER_DIGITS
from marketplace.extensions import db
from marketplace.models import Organisation
from tests.factories import create_dataset, create_organisation, valid_entry
from tests.helpers import api, assert_problem
from tests.support import refused

DATASETS = "/api/v1/datasets"
HUGE = "9" * 5000
QUALITY = {"completeness": {"rating": 4, "assessed_on": "2025-01-01"}}


def with_number(body: dict, literal: str) -> str:
    """`body` as JSON text with the number 0 (its first) spelt `literal`: JSON no encoder writes."""
    text = json.dumps(body)
    assert text.count(": 0") == 1
    return text.replace(": 0", f": {literal}")


def entry_with_byte_size(literal: str) -> str:
    distribution = {"title": "CSV", "download_url": "https://data.dft.gov.uk/a.csv", "byte_size": 0}
    entry = valid_entry(distributions=[distribution])
    entry["distributions"][0].pop("media_type", None)
    return with_number(entry, literal)


@pytest.fixture
def entry(token) -> str:
    """An entry of the token's organisation (created by the `token` fixture)."""
    organisation = db.session.scalar(
        select(Organisation).where(Organisation.slug == "department-for-transport")
    )
    return f"{DATASETS}/{create_dataset(organisation=organisation, title='Road casualties').id}"


# JSON bodies -------------------------------------------------------------------------------------


def test_a_five_thousand_digit_integer_in_a_body_is_refused_with_400_naming_the_body(live_server, token):
    response = requests.post(
        f"{live_server}{DATASETS}",
        data=entry_with_byte_size(HUGE),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        timeout=30,
    )
    assert response.status_code == 400, response.text[:500]
    assert response.headers["Content-Type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["errors"]["body"] == [f"A whole number has more than {MAX_INTEGER_DIGITS} digits."]


@pytest.mark.parametrize(
    "literal",
    [HUGE, "-" + HUGE, "1" + "0" * MAX_INTEGER_DIGITS],
    ids=["5000 digits", "-5000 digits", "31 digits"],
)
@pytest.mark.parametrize(
    ("method", "path", "content_type", "body"),
    [
        ("POST", DATASETS, "application/json", valid_entry(extra=0)),
        ("PUT", "{entry}", "application/json", valid_entry(extra=0)),
        ("PATCH", "{entry}", "application/merge-patch+json", {"title": "Road casualties", "extra": 0}),
        ("PUT", "{entry}/quality", "application/json", {"completeness": {"rating": 0}}),
    ],
    ids=["create", "replace", "patch", "quality"],
)
def test_every_json_body_refuses_an_integer_past_the_bound_before_reading_it(
    client, token, entry, method, path, content_type, body, literal
):
    refused(
        client,
        method,
        path.format(entry=entry),
        status=400,
        fields=("body",),
        token=token,
        headers={"If-Match": "*"},
        data=with_number(body, literal),
        content_type=content_type,
    )


@pytest.mark.parametrize("literal", ["9" * MAX_INTEGER_DIGITS, str(2**63), "-1"])
def test_a_byte_size_within_the_bound_gets_the_fields_own_message(client, token, literal):
    problem = refused(
        client,
        "POST",
        DATASETS,
        status=422,
        fields=("distributions.0.byte_size",),
        token=token,
        data=entry_with_byte_size(literal),
        content_type="application/json",
    )
    assert problem["errors"]["distributions.0.byte_size"] == [
        "Must be a whole number of bytes from 0 to 2^63-1."
    ]


@pytest.mark.parametrize("literal", ["9" * MAX_INTEGER_DIGITS, "6", "1e400", "4.0"])
def test_a_quality_rating_out_of_range_gets_the_fields_own_message(client, token, entry, literal):
    body = with_number({"completeness": {"rating": 0, "assessed_on": "2025-01-01"}}, literal)
    refused(
        client,
        "PUT",
        f"{entry}/quality",
        status=422,
        fields=("completeness.rating",),
        token=token,
        data=body,
        content_type="application/json",
    )


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_not_json_and_are_refused_with_400(client, token, literal):
    problem = refused(
        client,
        "POST",
        DATASETS,
        status=400,
        fields=("body",),
        token=token,
        data=entry_with_byte_size(literal),
        content_type="application/json",
    )
    assert problem["errors"]["body"] == [f"{literal} is not a JSON number."]


def test_a_float_too_big_for_any_number_is_not_a_whole_number_of_bytes(client, token):
    refused(
        client,
        "POST",
        DATASETS,
        status=422,
        fields=("distributions.0.byte_size",),
        token=token,
        data=entry_with_byte_size("1e400"),
        content_type="application/json",
    )


def test_the_largest_whole_numbers_the_fields_take_are_still_accepted(client, token, entry):
    created = api(
        client,
        "POST",
        DATASETS,
        status=201,
        token=token,
        data=entry_with_byte_size(str(2**63 - 1)),
        content_type="application/json",
    ).get_json()
    assert created["distributions"][0]["byte_size"] == 2**63 - 1
    rated = api(client, "PUT", f"{entry}/quality", status=200, token=token, json=QUALITY).get_json()
    assert rated["declared"]["completeness"]["rating"] == 4


# Query parameters --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "field"),
    [
        (f"page={HUGE}", "page"),
        (f"page={10**20}", "page"),
        (f"per_page={HUGE}", "per_page"),
        (f"per_page={10**20}", "per_page"),
        (f"page=-{HUGE}", "page"),
    ],
)
def test_the_list_refuses_page_numbers_past_its_window_naming_them(client, query, field):
    assert_problem(api(client, "GET", f"{DATASETS}?{query}", status=400), field)


@pytest.mark.parametrize("query", [f"page={HUGE}", f"page={10**20}", f"per_page={10**20}"])
def test_the_history_and_role_changes_refuse_page_numbers_past_their_bound(client, entry, query):
    name = query.split("=")[0]
    assert_problem(api(client, "GET", f"{entry}/revisions?{query}", status=400), name)
    create_organisation(slug="home-office", title="Home Office", abbreviation="HO")
    path = f"/api/v1/organisations/home-office/role-changes?{query}"
    assert_problem(api(client, "GET", path, status=400), name)


# Headers -----------------------------------------------------------------------------------------


def raw_request(base: str, head: str, body: bytes = b"") -> bytes:
    """Send `head` (request line and headers, without the blank line) and `body` as they are;
    the status line that comes back."""
    address = urlsplit(base)
    with socket.create_connection((address.hostname, address.port), timeout=30) as connection:
        connection.sendall(head.encode() + b"\r\nConnection: close\r\n\r\n" + body)
        return connection.recv(4096).split(b"\r\n", 1)[0]


@pytest.mark.parametrize(("length", "status"), [(HUGE, b"400"), (str(10**20), b"413")])
def test_a_content_length_past_any_body_is_refused(live_server, token, length, status):
    head = (
        f"POST {DATASETS} HTTP/1.1\r\nHost: {urlsplit(live_server).netloc}\r\n"
        f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {length}"
    )
    assert raw_request(live_server, head, b"{}").split(b" ")[1] == status
