"""Hostile or freak input never reaches the database or the JSON parser's limits unchecked: each is
refused with a 4xx problem naming what was wrong, never a 500, on SQLite and PostgreSQL alike.

(PostgreSQL refuses NUL characters in text and integers beyond 64 bits, and Python's JSON parser
gives up on very deep nesting; the API must check for these before they get there.)
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import Organisation
from tests.factories import create_dataset, valid_entry
from tests.helpers import api
from tests.support import refused

DATASETS = "/api/v1/datasets"


@pytest.fixture
def entry(token) -> str:
    organisation = db.session.scalar(
        select(Organisation).where(Organisation.slug == "department-for-transport")
    )
    dataset = create_dataset(organisation=organisation, title="Road casualties")
    return f"{DATASETS}/{dataset.id}"


def test_deeply_nested_json_is_refused_with_400_naming_the_body(client, token):
    body = "[" * 100_000 + "]" * 100_000
    refused(
        client,
        "POST",
        DATASETS,
        status=400,
        fields=("body",),
        token=token,
        data=body,
        content_type="application/json",
    )


def test_a_lone_surrogate_in_a_string_is_refused_as_bad_input(client, token):
    # Valid JSON syntax, but not text that can be stored: a 400 (the body) or a 422 (the field) will do.
    raw = json.dumps(valid_entry(title="Road \ud800 casualties"))
    response = client.post(
        DATASETS, data=raw, content_type="application/json", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code in {400, 422}, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/problem+json"
    assert {"body", "title"} & set(response.get_json().get("errors") or {})
    api(client, "GET", f"{DATASETS}?q=casualties", status=200)


NUL_IN_FIELDS = [
    ("title", valid_entry(title="Road\x00casualties"), "title"),
    ("publisher", valid_entry(publisher="department-for-transport\x00"), "publisher"),
    ("keyword", valid_entry(keywords=["roads\x00"]), "keywords.0"),
    (
        "download_url",
        valid_entry(distributions=[{"title": "CSV", "download_url": "https://data.dft.gov.uk/\x00"}]),
        "distributions.0.download_url",
    ),
    ("related resource", valid_entry(related_resources=["https://www.gov.uk/\x00"]), "related_resources.0"),
    (
        "contact e-mail",
        valid_entry(contact_point={"name": "Stats", "email": "stats\x00@dft.gov.uk"}),
        "contact_point.email",
    ),
    ("slug", valid_entry(slug="road\x00casualties"), "slug"),
]


@pytest.mark.parametrize(("body", "field"), [c[1:] for c in NUL_IN_FIELDS], ids=[c[0] for c in NUL_IN_FIELDS])
def test_a_nul_character_in_any_field_is_refused_naming_the_field(client, token, body, field):
    refused(client, "POST", DATASETS, status=422, fields=(field,), token=token, json=body)


@pytest.mark.parametrize("parameter", ["q", "organisation", "format"])
def test_a_nul_character_in_a_list_parameter_is_refused_with_400_naming_it(client, entry, parameter):
    refused(client, "GET", f"{DATASETS}?{parameter}=road%00casualties", status=400, fields=(parameter,))


@pytest.mark.parametrize("path", [f"{DATASETS}/road%00casualties", "/api/v1/organisations/department%00for"])
def test_a_nul_character_in_a_path_is_not_found(client, entry, path):
    refused(client, "GET", path, status=404)


def test_a_byte_size_too_large_to_store_is_refused_naming_the_field(client, token):
    body = valid_entry(
        distributions=[{"title": "CSV", "download_url": "https://data.dft.gov.uk/a.csv", "byte_size": 2**63}]
    )
    refused(
        client, "POST", DATASETS, status=422, fields=("distributions.0.byte_size",), token=token, json=body
    )


def test_the_largest_byte_size_that_can_be_stored_is_accepted(client, token):
    body = valid_entry(
        distributions=[
            {"title": "CSV", "download_url": "https://data.dft.gov.uk/a.csv", "byte_size": 2**63 - 1}
        ]
    )
    created = api(client, "POST", DATASETS, status=201, token=token, json=body).get_json()
    assert created["distributions"][0]["byte_size"] == 2**63 - 1


@pytest.mark.parametrize("query", ["page=99999999999999999999", "page=1000000&per_page=100"])
def test_a_revisions_page_far_beyond_the_end_is_refused_or_empty_never_an_error(client, entry, query):
    response = client.get(f"{entry}/revisions?{query}")
    assert response.status_code in {200, 400}, response.get_data(as_text=True)[:500]
    if response.status_code == 200:
        assert response.get_json()["items"] == []
    else:
        assert "page" in response.get_json()["errors"]
