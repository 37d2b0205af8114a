"""A data service's kind (`service_kind`, DCAT-UK serviceType) and a distribution's access services
(`access_services`, DCAT-UK accessService) through the API: set, answered, changed in history, and
refused with a reason when wrong. Access services follow the rule of `serves_datasets`: each must
name a data service the caller may see when it is added; one named before may stay."""

from __future__ import annotations

import uuid
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


SERVICE = {"type": "data_service", "distributions": [], "endpoint_url": "https://api.dft.gov.uk/v1"}


def service_entry(**fields: Any) -> dict[str, Any]:
    return valid_entry(**SERVICE, **fields)


def dataset_given_by(*services: str, **fields: Any) -> dict[str, Any]:
    distribution = {"title": "Counts", "download_url": "https://data.dft.gov.uk/counts.csv"}
    return valid_entry(distributions=[{**distribution, "access_services": list(services)}], **fields)


def test_a_data_service_has_a_kind_given_by_value_or_label(client, token, dft):
    created = api(client, "POST", DATASETS, status=201, token=token, json=service_entry(service_kind="BULK"))
    path = f"{DATASETS}/{created.get_json()['slug']}"
    assert created.get_json()["service_kind"] == "BULK"

    changed = api(client, "PATCH", path, status=200, token=token, json={"service_kind": "Transactional"})

    assert changed.get_json()["service_kind"] == "TRANSACTIONAL"
    history = api(client, "GET", f"{path}/revisions", status=200, token=token).get_json()["items"]
    assert history[0]["changes"]["service_kind"] == {"before": "BULK", "after": "TRANSACTIONAL"}
    cleared = api(client, "PATCH", path, status=200, token=token, json={"service_kind": None})
    assert cleared.get_json()["service_kind"] is None


def test_an_unknown_kind_of_service_is_refused_naming_the_kinds(client, token, dft):
    problem = refused(
        client, "POST", DATASETS, status=422, token=token, json=service_entry(service_kind="STREAMING")
    )
    assert problem["errors"] == {
        "service_kind": [
            "'STREAMING' is not a known kind of service. Use one of: BULK, TRANSACTIONAL, INFORMATION."
        ]
    }


def test_a_dataset_cannot_have_a_kind_of_service(client, token, dft):
    problem = refused(
        client, "POST", DATASETS, status=422, token=token, json=valid_entry(service_kind="BULK")
    )
    assert problem["errors"] == {
        "service_kind": ["Only data services have this field; set type to data_service."]
    }


def test_a_distribution_names_the_data_services_giving_its_data(client, token, dft, home_office):
    own_draft = create_dataset(organisation=dft, status="draft", **SERVICE)
    other = create_dataset(organisation=home_office, **SERVICE)
    ids = [str(own_draft.id), str(other.id).upper(), str(own_draft.id)]

    created = api(client, "POST", DATASETS, status=201, token=token, json=dataset_given_by(*ids)).get_json()

    # Each once, in the one spelling.
    assert created["distributions"][0]["access_services"] == [str(own_draft.id), str(other.id)]
    path = f"{DATASETS}/{created['slug']}"
    without = {"title": "Counts", "download_url": "https://data.dft.gov.uk/counts.csv"}
    changed = api(client, "PATCH", path, status=200, token=token, json={"distributions": [without]})
    assert changed.get_json()["distributions"][0]["access_services"] == []
    history = api(client, "GET", f"{path}/revisions", status=200, token=token).get_json()["items"]
    assert "distributions" in history[0]["changes"]


def test_an_access_service_that_is_no_visible_data_service_is_refused_alike(client, token, dft, home_office):
    hidden = create_dataset(organisation=home_office, status="draft", **SERVICE)
    a_dataset = create_dataset(organisation=dft)
    nowhere = str(uuid.uuid4())

    for named in (nowhere, str(hidden.id), str(a_dataset.id)):
        problem = refused(client, "POST", DATASETS, status=422, token=token, json=dataset_given_by(named))
        assert problem["errors"] == {
            "distributions.0.access_services.0": [
                f"Must name a data service in this catalogue: there is none with the id {named}."
            ]
        }


@pytest.mark.parametrize(
    ("access_services", "message"),
    [
        ("not-a-list", "Not a valid list."),
        ([123], "Must be the id (a UUID) of a data service in this catalogue."),
        (["road-traffic-api"], "Must be the id (a UUID) of a data service in this catalogue."),
        ([None], "Field may not be null."),
        ([str(uuid.uuid4()) for _ in range(21)], "Give at most 20 access services."),
    ],
)
def test_access_services_that_are_not_a_short_list_of_ids_are_refused(
    client, token, dft, access_services, message
):
    entry = dataset_given_by()
    entry["distributions"][0]["access_services"] = access_services

    problem = refused(client, "POST", DATASETS, status=422, token=token, json=entry)

    assert message in str(problem["errors"]), problem["errors"]
    assert all(name.startswith("distributions.0.access_services") for name in problem["errors"])


def test_an_access_service_named_before_may_stay_after_it_is_deleted_but_none_may_be_added(
    client, token, dft
):
    gone = create_dataset(organisation=dft, **SERVICE)
    created = api(client, "POST", DATASETS, status=201, token=token, json=dataset_given_by(str(gone.id)))
    path = f"{DATASETS}/{created.get_json()['slug']}"
    delete_dataset(ADMIN, str(gone.id))

    api(client, "PATCH", path, status=200, token=token, json={"summary": "Counts of traffic, by road."})
    distribution = created.get_json()["distributions"][0]
    distribution = {k: v for k, v in distribution.items() if k != "id"}
    refused(
        client,
        "PATCH",
        path,
        status=422,
        fields=("distributions.0.access_services.1",),
        token=token,
        json={"distributions": [{**distribution, "access_services": [str(gone.id), str(uuid.uuid4())]}]},
    )
