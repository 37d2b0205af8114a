"""A department's system, with a real client token, through a record's whole life on /dm/v1."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import Dataset
from marketplace.models.revision import Revision
from tests.dm_api.conftest import PUBLISHER, validate_resource
from tests.factories import create_token, create_user

OGL = "http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"


def dataset_record(**overrides) -> dict:
    record = {
        "supplierIdentifier": "asj-road-counts",
        "title": "Road traffic counts",
        "description": "Counts of vehicles at points on the road network, by hour.",
        "type": "Data Set",
        "status": "Draft",
        "theme": ["Transport and infrastructure"],
        "keyword": ["roads", "traffic"],
        "contactPoint": [{"name": "Roads team", "email": "roads@asj.gov.uk"}],
        "publisher": PUBLISHER,
        "securityClassification": "OFFICIAL",
        "accessRights": "OPEN",
        "modified": "2026-11-30T09:00:00+00:00",
        "updateFrequency": "annual",
        "license": {"title": "Open Government Licence v3.0", "licenseURL": OGL},
        "distribution": [
            {"title": "Counts", "downloadURL": "https://asj.gov.uk/counts.csv", "mediaType": ["text/csv"]}
        ],
    }
    record.update(overrides)
    return record


def test_a_client_creates_reads_lists_patches_publishes_and_deletes_a_dataset(api):
    api.call("POST", "/datasets", 201, json_body=dataset_record())
    location = api.last.headers["Location"]
    assert location.startswith("/dm/v1/datasets/")
    record_id = location.rsplit("/", 1)[1]
    uuid.UUID(record_id)

    record = api.call("GET", f"/datasets/{record_id}", 200)
    validate_resource(record)
    assert record["identifier"] == record_id
    assert record["status"] == "Draft"
    assert record["keyword"] == ["roads", "traffic"]

    listed = api.call("GET", "/cataloged-resources?filter=TRAFFIC", 200)
    assert [r["identifier"] for r in listed] == [record_id]
    for item in listed:
        validate_resource(item)
    assert api.call("GET", "/cataloged-resources?filter=asj-road", 200)[0]["identifier"] == record_id
    assert api.call("GET", "/cataloged-resources?filter=roads", 200)[0]["identifier"] == record_id
    assert api.call("GET", "/cataloged-resources?filter=nothing-like-it", 200) == []

    # Merge semantics: an array replaces, null removes, other fields stay.
    patched = api.call(
        "PATCH",
        f"/datasets/{record_id}",
        200,
        json_body={"keyword": ["counts"], "updateFrequency": None},
    )
    validate_resource(patched)
    assert patched["keyword"] == ["counts"]
    assert "updateFrequency" not in patched
    assert patched["title"] == "Road traffic counts"
    assert patched["theme"] == ["Transport and infrastructure"]

    published = api.call("PATCH", f"/datasets/{record_id}", 200, json_body={"status": "Published"})
    assert published["status"] == "Published"
    withdrawn = api.call("PATCH", f"/datasets/{record_id}", 200, json_body={"status": "Withdrawn"})
    assert withdrawn["status"] == "Withdrawn"
    assert api.call("GET", f"/datasets/{record_id}", 200)["status"] == "Withdrawn"

    api.call("DELETE", f"/datasets/{record_id}", 204)
    body = api.call("GET", f"/datasets/{record_id}", 404)
    assert body == {
        "message": f"Dataset with identifier {record_id} does not exist.",
        "code": "DM00010",
        "errors": [],
    }
    api.call("DELETE", f"/datasets/{record_id}", 404)
    assert api.call("GET", "/cataloged-resources", 200) == []


def test_the_client_is_recorded_in_the_history(api):
    api.call("POST", "/datasets", 201, json_body=dataset_record())
    dataset = db.session.scalars(select(Dataset)).one()
    revision = db.session.scalars(select(Revision).where(Revision.dataset_id == dataset.id)).one()
    assert "catalogue system" in revision.actor_label


def test_a_given_identifier_becomes_the_entry_id_and_a_taken_one_is_a_conflict(api):
    record_id = str(uuid.uuid4())
    api.call("POST", "/datasets", 201, json_body=dataset_record(identifier=record_id))
    assert api.last.headers["Location"] == f"/dm/v1/datasets/{record_id}"
    body = api.call(
        "POST", "/datasets", 409, json_body=dataset_record(identifier=record_id, supplierIdentifier="x")
    )
    assert body["code"] == "DM00014"
    assert body["errors"] == []
    assert db.session.scalar(select(db.func.count(Dataset.id))) == 1


def test_a_dataset_is_not_found_as_a_data_service_nor_the_other_way(api):
    api.call("POST", "/datasets", 201, json_body=dataset_record())
    record_id = api.last.headers["Location"].rsplit("/", 1)[1]
    body = api.call("GET", f"/data-services/{record_id}", 404)
    assert body["message"] == f"Data service with identifier {record_id} does not exist."
    assert body["code"] == "DM00010"
    api.call("PATCH", f"/data-services/{record_id}", 404, json_body={"title": "x"})
    api.call("DELETE", f"/data-services/{record_id}", 404)
    assert api.call("GET", f"/datasets/{record_id}", 200)["title"] == "Road traffic counts"


def test_a_data_service_round_trips_its_service_type(api):
    api.call("POST", "/datasets", 201, json_body=dataset_record())
    served = api.last.headers["Location"].rsplit("/", 1)[1]
    service = {
        "title": "Road counts API",
        "description": "The counts, by point and hour.",
        "type": "Data Service",
        "status": "Draft",
        "contactPoint": [{"name": "Roads team", "email": "roads@asj.gov.uk", "role": "contact"}],
        "publisher": PUBLISHER,
        "endpointURL": "https://api.asj.gov.uk/counts",
        "apiType": "REST",
        "serviceType": "Bulk",
        "servesDataset": [served],
    }
    api.call("POST", "/data-services", 201, json_body=service)
    location = api.last.headers["Location"]
    assert location.startswith("/dm/v1/data-services/")
    record = api.call("GET", location.removeprefix("/dm/v1"), 200)
    validate_resource(record)
    assert record["servesDataset"] == [served]
    assert record.get("serviceType") == "Bulk"
    patched = api.call(
        "PATCH", location.removeprefix("/dm/v1"), 200, json_body={"endpointURL": "https://api.asj.gov.uk/v2"}
    )
    assert patched["endpointURL"] == "https://api.asj.gov.uk/v2"


def test_a_persons_api_token_works_read_as_discover_and_publish_as_publish_and_delete(api, publisher):
    person = create_user(email="publisher@asj.gov.uk", organisation=publisher, roles=("publisher",))
    reader = create_token(user=person, scopes=("read",))
    writer = create_token(user=person, scopes=("read", "publish"))
    api.call("POST", "/datasets", 201, json_body=dataset_record(), token=writer)
    path = api.last.headers["Location"].removeprefix("/dm/v1")
    assert api.call("GET", path, 200, token=reader)["title"] == "Road traffic counts"
    assert "'publish'" in api.call("PATCH", path, 403, json_body={"title": "x"}, token=reader)["message"]
    assert "'delete'" in api.call("DELETE", path, 403, token=reader)["message"]
    api.call("DELETE", path, 204, token=writer)


def test_a_minimal_draft_is_answered_with_a_valid_record(api):
    api.call("POST", "/datasets", 201, json_body={"title": "Second", "description": "A draft."})
    record = api.call("GET", api.last.headers["Location"].removeprefix("/dm/v1"), 200)
    validate_resource(record)
    assert record["publisher"] == PUBLISHER  # the client's organisation when the record names none
    assert record["status"] == "Draft"
