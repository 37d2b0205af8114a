"""The specification's own sample records come in through our one entry schema, and the records
we answer with for them validate against its JSON Schemas."""

from __future__ import annotations

import uuid

import pytest

from marketplace.dcat_uk import entry_from_record, record_from_entry, record_id
from marketplace.dcat_uk.terms import UNCARRIED_FIELDS
from marketplace.services.datasets import create_dataset, load_entry
from tests.dcat_uk.reference import reference, validate_record
from tests.factories import ADMIN, create_organisation, valid_entry

# Fields of the samples our model has no place for (terms.UNCARRIED_FIELDS): accepted and
# checked, not kept, so they are missing from what we answer. Named here so a test fails the day
# the model gains one and this list is not brought up to date.
SAMPLE_GAPS: dict[str, set[str]] = {"sample_dataset.json": set(), "sample_data_service.json": set()}


@pytest.fixture
def publisher(app):
    return create_organisation(slug="academy-for-social-justice", title="Academy for Social Justice")


def test_the_known_gaps_are_the_fields_not_carried():
    assert set().union(*SAMPLE_GAPS.values()) == set(UNCARRIED_FIELDS)


def test_the_sample_dataset_is_accepted_and_answered_with_a_valid_record(publisher):
    sample = reference("sample_dataset.json")
    # Its first distribution comes through the sample data service: here an entry of ours has its id.
    service_id = uuid.UUID(sample["distribution"][0]["accessService"][0])
    service = valid_entry(
        publisher=publisher.slug, type="data_service", endpoint_url="https://api.example.gov.uk"
    )
    del service["distributions"]
    create_dataset(ADMIN, service, dataset_id=service_id)
    entry = entry_from_record(sample)
    assert load_entry(entry)["themes"] == ["population-and-society", "transport-and-infrastructure"]

    dataset = create_dataset(ADMIN, entry, dataset_id=record_id(sample))
    record = record_from_entry(dataset)

    validate_record(record, "dataset_schema.json")
    assert record["identifier"] == sample["identifier"]
    assert record["supplierIdentifier"] == "acme-123"
    assert record["modified"] == "2023-12-09"
    assert record["license"] == {
        "title": "Creative Commons Attribution 4.0",
        "licenseURL": "https://creativecommons.org/licenses/by/4.0/",
    }
    assert [d.get("accessService") for d in record["distribution"]] == [[str(service_id)], None, None]
    _assert_carried(sample, record, SAMPLE_GAPS["sample_dataset.json"])


def test_the_sample_data_service_is_accepted_as_published_and_answered_with_a_valid_record(publisher):
    sample = reference("sample_data_service.json")
    # The sample serves the sample dataset; here an entry of ours has its identifier.
    served_id = uuid.UUID(sample["servesDataset"][0])
    served = create_dataset(ADMIN, valid_entry(publisher=publisher.slug), dataset_id=served_id)

    # Published without a licence: a data service needs none (DCAT-AP and DCAT-UK leave it optional).
    entry = entry_from_record(sample)
    assert load_entry(entry)["serves_datasets"] == [served.slug]
    dataset = create_dataset(ADMIN, entry, dataset_id=record_id(sample))
    record = record_from_entry(dataset)

    validate_record(record, "data_service_schema.json")
    assert record["status"] == "Published"
    assert record["servesDataset"] == [str(served_id)]
    assert record["apiType"] == "REST"
    assert record["serviceType"] == "Transactional"
    _assert_carried(sample, record, SAMPLE_GAPS["sample_data_service.json"])


def _assert_carried(sample: dict, record: dict, gaps: set[str]) -> None:
    """Every field of the sample comes back, in the schema's form, except the known gaps."""
    for name, value in sample.items():
        expected = value
        # A licence answers with our list's title and URL for it (asserted on its own).
        if name in gaps or name == "license":
            continue
        if name == "type":
            expected = [value] if isinstance(value, str) else value
        elif name == "modified":
            expected = value[:10]
        elif name == "theme":
            # Themes are a set: ours come back in the order of their values.
            expected = sorted(value, key=record["theme"].index)
        elif name == "distribution":
            expected = [_distribution(d, gaps) for d in value]
        assert record[name] == expected, name


def _distribution(sent: dict, gaps: set[str]) -> dict:
    answered = {k: v for k, v in sent.items() if f"distribution.{k}" not in gaps}
    # Ours keep the format in capitals and an access URL for every download.
    answered["format"] = sent["format"].upper()
    answered.setdefault("accessURL", sent.get("downloadURL"))
    return answered
