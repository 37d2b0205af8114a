"""Records coming in: entry → record → entry keeps what DCAT-UK carries; both forms of what the
specification spells two ways are accepted; values outside the lists are refused by DCAT-UK name."""

from __future__ import annotations

import copy
import uuid

import pytest

from marketplace.dcat_uk import entry_from_record, record_errors, record_from_entry, record_id
from marketplace.dcat_uk.terms import DISTRIBUTION_FIELD_NAMES, OUR_FIELDS_WITHOUT_DCAT_UK
from marketplace.errors import ValidationError
from marketplace.schemas.dataset_out import EDITABLE_FIELDS, editable_view
from marketplace.services.datasets import create_dataset as create_dataset_service
from marketplace.services.datasets import load_entry
from tests.factories import ADMIN, create_dataset, create_organisation, valid_entry

CARRIED = EDITABLE_FIELDS - set(OUR_FIELDS_WITHOUT_DCAT_UK)
RECORD = {
    "title": "Advance Passenger Information",
    "description": "Travel data given to airlines by passengers.",
    "type": ["Data Set"],
    "status": "Draft",
    "theme": ["Transport and infrastructure"],
    "keyword": ["Air travel"],
    "contactPoint": [{"name": "Rob Nichols", "email": "rob.nichols@cabinetoffice.gov.uk", "role": "contact"}],
    "publisher": "department-for-transport",
    "securityClassification": "OFFICIAL",
    "accessRights": "OPEN",
    "license": {"licenseURL": "https://creativecommons.org/licenses/by/4.0"},
    "modified": "2025-01-31",
}


def _carried(entry: dict) -> dict:
    loaded = load_entry(entry)
    # A record leaves out what is empty (no creator, no servesDataset for a dataset): [] or absent.
    carried = {name: loaded.get(name) or None for name in CARRIED}
    carried["distributions"] = [
        {name: d.get(name) or None for name in DISTRIBUTION_FIELD_NAMES}
        for d in loaded.get("distributions") or []
    ]
    return carried


def test_a_dataset_comes_back_the_same_through_its_record(app):
    organisation = create_organisation()
    dataset = create_dataset(
        organisation=organisation,
        identifier="RAS-0101",
        creators=["Road Safety Statistics", "STATS19 team"],
        distributions=[
            {
                "title": "Casualties",
                "description": "All years.",
                "download_url": "https://example.gov.uk/c.csv",
            },
            {"title": "API", "access_url": "https://example.gov.uk/api", "format": "JSON"},
        ],
    )
    entry = entry_from_record(record_from_entry(dataset))
    assert _carried(entry) == _carried(editable_view(dataset))


def test_a_data_service_comes_back_the_same_through_its_record(app):
    organisation = create_organisation()
    served = create_dataset(organisation=organisation)
    service = create_dataset(
        organisation=organisation,
        type="data_service",
        distributions=[],
        endpoint_url="https://api.example.gov.uk/v1",
        endpoint_description="https://api.example.gov.uk/v1/openapi.json",
        service_type="GRAPHQL",
        serves_datasets=[served.slug],
    )
    record = record_from_entry(service)
    assert record["servesDataset"] == [str(served.id)]
    assert record["apiType"] == "GraphQL"
    entry = entry_from_record(record)
    assert _carried(entry) == _carried(editable_view(service))


def test_a_data_service_without_an_endpoint_description_says_so_with_an_empty_one(app):
    organisation = create_organisation()
    service = create_dataset(
        organisation=organisation,
        type="data_service",
        distributions=[],
        endpoint_url="https://api.example.gov.uk",
    )
    record = record_from_entry(service)
    assert record["endpointDescription"] == ""
    assert entry_from_record(record)["endpoint_description"] is None


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"type": "Data Set"}, {"type": "dataset"}),
        ({"type": ["Data Set"]}, {"type": "dataset"}),
        ({"type": "Data Service"}, {"type": "data_service"}),
        (
            {"contactPoint": [{"name": "Rob", "email": "rob@example.gov.uk"}]},
            {"contact_point": {"name": "Rob", "email": "rob@example.gov.uk"}},
        ),
        (
            {"contactPoint": [{"name": "Rob", "email": "rob@example.gov.uk", "role": "owner"}]},
            {"contact_point": {"name": "Rob", "email": "rob@example.gov.uk"}},
        ),
        ({"modified": "2023-12-09"}, {"modified": "2023-12-09"}),
        ({"modified": "2023-12-09T16:09:53+00:00"}, {"modified": "2023-12-09"}),
        ({"issued": "2023-12-09T23:30:00Z"}, {"issued": "2023-12-09"}),
        # The date as written, not moved to UTC's calendar.
        ({"issued": "2023-12-10T00:30:00+01:00"}, {"issued": "2023-12-10"}),
    ],
)
def test_both_forms_the_specification_shows_are_accepted(app, change, expected):
    entry = entry_from_record({**RECORD, **change})
    assert {name: entry[name] for name in expected} == expected
    load_entry(entry)


def test_the_openapi_examples_request_is_accepted(app):
    """POST /datasets' example: `type` a string, distributions without a title, and an access
    service (which must name a data service of ours)."""
    organisation = create_organisation()
    service_id = uuid.UUID("8d085327-21b6-4d8b-9705-88faad231d23")
    service = valid_entry(
        publisher=organisation.slug, type="data_service", endpoint_url="https://example.gov.uk/api"
    )
    del service["distributions"]
    create_dataset_service(ADMIN, service, dataset_id=service_id)
    record = {
        **RECORD,
        "identifier": "8d085327-21b6-4d8b-9705-88faad231d22",
        "type": "Data Set",
        "modified": "2023-12-09T16:09:53+00:00",
        "distribution": [
            {
                "accessService": ["8d085327-21b6-4d8b-9705-88faad231d23"],
                "downloadURL": "http://example.com/path/to/file.csv",
                "mediaType": ["text/csv"],
            }
        ],
    }
    dataset = create_dataset_service(ADMIN, entry_from_record(record), dataset_id=record_id(record))
    assert str(dataset.id) == record["identifier"]
    assert [(d.title, d.media_type) for d in dataset.distributions] == [("CSV", "text/csv")]
    assert dataset.distributions[0].access_services == [str(service_id)]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"theme": ["Transport and infrastructure", "Transport"]}, "theme.1"),
        ({"theme": "Education"}, "theme"),
        ({"theme": [{"label": "Education"}]}, "theme.0"),
        ({"status": ["Draft"]}, "status"),
        ({"securityClassification": "OFFICIAL_SENSITIVE"}, "securityClassification"),
        ({"securityClassification": "SECRET"}, "securityClassification"),
        ({"securityClassification": "TOP_SECRET"}, "securityClassification"),
        ({"status": "Deleted"}, "status"),
        ({"status": "published"}, "status"),
        ({"type": "Data Share"}, "type"),
        ({"type": ["Data Set", "Data Service"]}, "type"),
        ({"type": "Dataset"}, "type"),
        ({"accessRights": "PUBLIC"}, "accessRights"),
        ({"updateFrequency": "sometimes"}, "updateFrequency"),
        ({"license": {"title": "Mine", "licenseURL": "https://example.com/licence"}}, "license.licenseURL"),
        ({"license": {"title": "Creative Commons"}}, "license.licenseURL"),
        ({"modified": "09/12/2023"}, "modified"),
        ({"issued": 2023}, "issued"),
        ({"contactPoint": [{"name": "A", "email": "a@b.gov.uk", "role": "boss"}]}, "contactPoint.0.role"),
        ({"contactPoint": [{"name": "A", "email": "a@b.gov.uk"}] * 2}, "contactPoint"),
        ({"contactPoint": {"name": "A", "email": "a@b.gov.uk"}}, "contactPoint"),
        ({"apiType": "JSON"}, "apiType"),
        ({"serviceType": "Batch"}, "serviceType"),
        ({"summary": "Not a DCAT-UK field"}, "summary"),
        (
            {
                "distribution": [
                    {"downloadURL": "https://x.gov.uk/a.csv", "mediaType": ["text/csv", "text/plain"]}
                ]
            },
            "distribution.0.mediaType",
        ),
        (
            {"distribution": [{"downloadURL": "https://x.gov.uk/a.csv", "mediaType": ["text/comma"]}]},
            "distribution.0.mediaType",
        ),
        (
            {"distribution": [{"downloadURL": "https://x.gov.uk/a.csv", "byteSize": 1}]},
            "distribution.0.byteSize",
        ),
    ],
)
def test_values_outside_the_lists_are_refused_naming_the_dcat_uk_field(app, change, field):
    with pytest.raises(ValidationError) as refused:
        entry_from_record({**RECORD, **change})
    assert field in refused.value.errors


def test_our_schemas_refusals_are_named_as_dcat_uk_fields(app):
    record = copy.deepcopy(RECORD)
    record["contactPoint"][0]["email"] = "not an address"
    record["distribution"] = [{"title": "No address"}]
    record["supplierIdentifier"] = "x" * 300
    with pytest.raises(ValidationError) as refused:
        load_entry(entry_from_record(record))
    assert set(record_errors(refused.value.errors)) == {
        "contactPoint.0.email",
        "distribution.0.accessURL",
        "supplierIdentifier",
    }


def test_a_record_identifier_must_be_a_uuid():
    assert record_id({}) is None
    with pytest.raises(ValidationError) as refused:
        record_id({"identifier": "acme-123"})
    assert "identifier" in refused.value.errors
