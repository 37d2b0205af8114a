"""`serves_datasets` through the API: each slug must name an entry the caller may see, checked
when it is added (an entry already served may since have gone), and a refusal says no more about
another organisation's draft than about a slug no entry has."""

from __future__ import annotations

from typing import Any

import pytest

from marketplace.services.datasets import delete_dataset
from tests.factories import ADMIN, create_dataset, create_organisation, create_token, create_user, valid_entry
from tests.helpers import api
from tests.support import refused

DATASETS = "/api/v1/datasets"


@pytest.fixture
def dft(app):
    return create_organisation()


@pytest.fixture
def home_office(app):
    return create_organisation(
        slug="home-office", title="Home Office", abbreviation="HO", email_domains=["homeoffice.gov.uk"]
    )


@pytest.fixture
def token(dft) -> str:
    return create_token(user=create_user(email="ann@dft.gov.uk", organisation=dft, roles=("publisher",)))


def service(*served: str, **fields: Any) -> dict[str, Any]:
    return valid_entry(
        type="data_service",
        distributions=[],
        endpoint_url="https://api.dft.gov.uk/v1",
        service_type="REST",
        service_status="LIVE",
        serves_datasets=list(served),
        **fields,
    )


def test_a_service_may_serve_entries_its_publisher_can_see(client, token, dft, home_office):
    own_draft = create_dataset(organisation=dft, status="draft", title="Traffic counts draft")
    published = create_dataset(organisation=home_office, title="Police recorded crime")

    created = api(
        client, "POST", DATASETS, status=201, token=token, json=service(own_draft.slug, published.slug)
    )

    assert created.get_json()["serves_datasets"] == [own_draft.slug, published.slug]


def test_a_slug_naming_no_entry_or_a_hidden_draft_is_refused_alike(client, token, home_office):
    hidden = create_dataset(organisation=home_office, status="draft", title="Unannounced statistics")

    missing = refused(client, "POST", DATASETS, status=422, token=token, json=service("no-such-entry"))
    draft = refused(client, "POST", DATASETS, status=422, token=token, json=service(hidden.slug))

    assert missing["errors"] == {
        "serves_datasets.0": ["Must name an entry in this catalogue: there is none called 'no-such-entry'."]
    }
    assert draft["errors"] == {
        "serves_datasets.0": [f"Must name an entry in this catalogue: there is none called {hidden.slug!r}."]
    }


def test_an_entry_already_served_may_stay_after_it_is_deleted_but_none_may_be_added(client, token, dft):
    served = create_dataset(organisation=dft, title="Traffic counts")
    created = api(client, "POST", DATASETS, status=201, token=token, json=service(served.slug)).get_json()
    path = f"{DATASETS}/{created['slug']}"
    delete_dataset(ADMIN, served.slug)

    api(client, "PATCH", path, status=200, token=token, json={"summary": "Counts of traffic, by road."})
    refused(
        client,
        "PATCH",
        path,
        status=422,
        fields=("serves_datasets.1",),
        token=token,
        json={"serves_datasets": [served.slug, "no-such-entry"]},
    )
