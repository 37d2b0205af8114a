"""Bad requests to the DCAT endpoints get a clear 4xx as problem+json, never a 500 and never
an HTML page, whatever the Accept header says."""

from __future__ import annotations

import pytest

from marketplace.services.datasets import delete_dataset
from tests.dcat.entries import admin_token
from tests.factories import ADMIN, create_dataset, create_organisation
from tests.helpers import assert_problem

BROWSER = "text/html,application/xhtml+xml,*/*;q=0.8"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("page=0", "page"),
        ("page=-1", "page"),
        ("page=" + "1" + "0" * 30, "page"),
        ("page=1.5", "page"),
        ("page=two", "page"),
        ("page=", "page"),
        ("page=%EF%BC%91", "page"),  # a full-width digit one, which int() would take
        ("modified_since=yesterday", "modified_since"),
        ("modified_since=2025-13-01", "modified_since"),
        ("modified_since=2025-01-01T25:00", "modified_since"),
        ("q=" + "x" * 501, "q"),
        ("q=a%00b", "q"),
    ],
)
@pytest.mark.parametrize("accept", ["*/*", BROWSER])
def test_malformed_catalogue_parameters_are_a_400_naming_the_parameter(client, query, field, accept):
    response = client.get(f"/catalog.ttl?{query}", headers={"Accept": accept})
    assert response.status_code == 400
    assert_problem(response, field)


def test_a_page_past_the_last_is_not_found(client):
    create_dataset(organisation=create_organisation())
    assert client.get("/catalog.ttl?page=1").status_code == 200
    response = client.get("/catalog.ttl?page=2", headers={"Accept": BROWSER})
    assert response.status_code == 404
    assert "page 2 is past the end" in assert_problem(response)["detail"]


@pytest.mark.parametrize("path", ["/catalog.csv", "/catalog.json", "/catalog.TTL"])
def test_an_unsupported_catalogue_format_is_not_found(client, path):
    response = client.get(path, headers={"Accept": BROWSER})
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


def test_an_unknown_entry_or_format_is_not_found(client):
    dataset = create_dataset(organisation=create_organisation())
    for path in (
        "/datasets/no-such-entry.ttl",
        f"/datasets/{dataset.slug}.csv",
        f"/datasets/{dataset.slug}.xml",
    ):
        response = client.get(path, headers={"Accept": BROWSER})
        assert response.status_code == 404, path
        assert response.mimetype == "application/problem+json", path


def test_a_token_that_does_not_check_out_is_refused_not_treated_as_signed_out(client):
    admin_token()  # a real token exists; this one is not it
    response = client.get("/catalog.ttl", headers={"Authorization": "Bearer not-a-token"})
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"


def test_a_deleted_entry_is_gone(client):
    dataset = create_dataset(organisation=create_organisation())
    delete_dataset(ADMIN, dataset.slug)
    response = client.get(f"/datasets/{dataset.slug}.ttl")
    assert response.status_code == 410
    assert response.mimetype == "application/problem+json"
