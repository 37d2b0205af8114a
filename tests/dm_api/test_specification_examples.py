"""Every request example in the specification is accepted, and every answer to it validates.

The examples name one another: the dataset's distribution comes through the data service
(`accessService` ...d23) and the data service serves the dataset (`servesDataset` ...d22). Our
catalogue checks both references, so each example is sent with the record it names already
there (made through the services), the other example's identifier."""

from __future__ import annotations

import uuid

import pytest

from marketplace.services.datasets import create_dataset
from tests.dcat_uk.reference import specification
from tests.dm_api.conftest import PUBLISHER, validate_resource
from tests.factories import ADMIN, valid_entry

DATASET_ID = "8d085327-21b6-4d8b-9705-88faad231d22"
SERVICE_ID = "8d085327-21b6-4d8b-9705-88faad231d23"


def _examples(path: str, method: str) -> dict[str, dict]:
    operation = specification()["paths"][path][method]
    examples = operation["requestBody"]["content"]["application/json"]["examples"]
    return {name: example["value"] for name, example in examples.items()}


def _existing_service(record_id: str) -> None:
    service = valid_entry(publisher=PUBLISHER, type="data_service", endpoint_url="https://example.gov.uk/api")
    del service["distributions"]
    create_dataset(ADMIN, service, dataset_id=uuid.UUID(record_id))


def _existing_dataset(record_id: str) -> None:
    create_dataset(ADMIN, valid_entry(publisher=PUBLISHER), dataset_id=uuid.UUID(record_id))


@pytest.mark.parametrize(
    ("collection", "path", "record_id", "referenced"),
    [
        ("datasets", "/datasets/{dataset-id}", DATASET_ID, lambda: _existing_service(SERVICE_ID)),
        (
            "data-services",
            "/data-services/{data-service-id}",
            SERVICE_ID,
            lambda: _existing_dataset(DATASET_ID),
        ),
    ],
)
def test_the_specifications_post_and_patch_examples_are_accepted(
    api, collection, path, record_id, referenced
):
    referenced()
    posts = _examples(f"/{collection}", "post")
    assert posts, "the specification has POST examples"
    for example in posts.values():
        api.call("POST", f"/{collection}", 201, json_body=example)
        assert api.last.headers["Location"] == f"/dm/v1/{collection}/{record_id}"
        created = api.call("GET", f"/{collection}/{record_id}", 200)
        validate_resource(created)
        assert created["identifier"] == record_id
        assert created["supplierIdentifier"] == example["supplierIdentifier"]
        assert created["keyword"] == example["keyword"]

    patches = _examples(path, "patch")
    assert len(patches) == 2
    for example in patches.values():
        patched = api.call("PATCH", f"/{collection}/{record_id}", 200, json_body=example)
        validate_resource(patched)
        for name, value in example.items():
            if name == "contactPoint":  # answered in the schema's form, with its role
                value = [{**contact, "role": "contact"} for contact in value]
            assert patched[name] == value, name


def test_the_data_service_example_is_published_without_a_licence(api):
    # A data service needs no licence to be published (DCAT-AP and DCAT-UK leave it optional).
    _existing_dataset(DATASET_ID)
    example = _examples("/data-services", "post")["Ex1"]
    assert example["status"] == "Published" and "license" not in example
    api.call("POST", "/data-services", 201, json_body=example)
    assert api.call("GET", f"/data-services/{SERVICE_ID}", 200)["status"] == "Published"
