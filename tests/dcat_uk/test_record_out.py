"""Every entry we hold answers as a record valid against the specification's JSON Schemas."""

from __future__ import annotations

import jsonschema
import pytest
from sqlalchemy import select

from marketplace.dcat_uk import record_from_entry
from marketplace.extensions import db
from marketplace.models import Dataset
from marketplace.seeding.load import load_seed
from marketplace.services.datasets import delete_dataset
from tests.dcat_uk.reference import schema_for, validate_record
from tests.factories import ADMIN, create_dataset, create_organisation


def test_every_seed_entry_answers_as_a_valid_record(app):
    load_seed()
    entries = db.session.scalars(select(Dataset)).all()
    assert {dataset.type for dataset in entries} == {"dataset", "data_service"}
    for dataset in entries:
        record = record_from_entry(dataset)
        validate_record(record, schema_for(record))


def test_the_schema_check_refuses_a_record_in_the_other_form(app):
    """The check is not vacuous: `type` as the OpenAPI examples spell it fails the schema."""
    record = record_from_entry(create_dataset(organisation=create_organisation()))
    with pytest.raises(AssertionError, match="type"):
        validate_record({**record, "type": "Data Set"}, "dataset_schema.json")
    with pytest.raises(AssertionError, match="role"):
        validate_record(
            {**record, "contactPoint": [{"name": "A", "email": "a@b.gov.uk"}]}, "dataset_schema.json"
        )
    assert jsonschema.Draft4Validator.FORMAT_CHECKER.conforms("2025-01-01T00:00:00+00:00", "date-time")


def test_what_exceeds_dcat_uk_limits_is_shortened_or_left_out(app):
    organisation = create_organisation()
    dataset = create_dataset(
        organisation=organisation,
        identifier="x" * 60,
        description="word " * 1000,
        keywords=["k" * 90],
        issued="1999-04-01",
        security_classification="OFFICIAL_SENSITIVE",
        contact_point={"name": "n" * 60, "email": "o'brien@dft.gov.uk"},
    )
    record = record_from_entry(dataset)

    validate_record(record, "dataset_schema.json")
    assert "supplierIdentifier" not in record
    assert len(record["description"]) == 4096 and record["description"].endswith("…")
    assert record["keyword"] == ["k" * 74 + "…"]
    assert record["issued"] == "1999-04-01T00:00:00+00:00"
    assert record["securityClassification"] == "OFFICIAL"
    # The schema's e-mail pattern refuses an apostrophe the standard allows.
    assert record["contactPoint"] == []


def test_a_deleted_entry_answers_with_status_deleted(app):
    dataset = create_dataset(organisation=create_organisation())
    delete_dataset(ADMIN, dataset.slug)
    record = record_from_entry(db.session.get(Dataset, dataset.id))
    assert record["status"] == "Deleted"
    validate_record(record, "dataset_schema.json")
