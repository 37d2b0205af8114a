"""An organisation's own identifier for an entry names one entry: a second live entry of the same
organisation with the same identifier is refused (409, identifier_taken), however it comes in.

The API's answers are in tests/api/test_dataset_identifiers.py."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from marketplace.errors import ConflictError
from marketplace.extensions import db
from marketplace.models import Dataset
from marketplace.services.datasets import (
    create_dataset,
    create_datasets,
    delete_dataset,
    patch_dataset,
    update_dataset,
)
from marketplace.services.importing import ImportRejectedError, RowError, check_rows, import_rows, parse_csv
from tests.factories import ADMIN, create_organisation, valid_entry
from tests.services.test_importing import GOOD, csv_text

DFE = "department-for-education"


@pytest.fixture
def dft(app):
    return create_organisation()


@pytest.fixture
def dfe(app):
    return create_organisation(slug=DFE, title="Department for Education", abbreviation="DfE")


def count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Dataset))


def test_a_second_entry_of_an_organisation_with_the_same_identifier_is_refused_naming_the_first(dft):
    first = create_dataset(ADMIN, valid_entry(identifier="DFT-RAS-0001"))
    with pytest.raises(ConflictError) as caught:
        create_dataset(ADMIN, valid_entry(identifier="  DFT-RAS-0001 "))  # as stored: trimmed
    assert caught.value.code == "identifier_taken"
    assert first.slug in caught.value.detail
    assert first.slug in caught.value.errors["identifier"][0]
    assert count() == 1


def test_another_organisation_and_entries_without_an_identifier_do_not_conflict(dft, dfe):
    create_dataset(ADMIN, valid_entry(identifier="STATS-1"))
    create_dataset(ADMIN, valid_entry(publisher=DFE, identifier="STATS-1"))
    create_dataset(ADMIN, valid_entry(identifier=None))
    create_dataset(ADMIN, valid_entry(identifier=""))
    create_dataset(ADMIN, valid_entry())
    assert count() == 5


def test_a_deleted_entrys_identifier_can_be_used_again(dft):
    first = create_dataset(ADMIN, valid_entry(identifier="DFT-RAS-0001"))
    delete_dataset(ADMIN, first.slug)
    assert create_dataset(ADMIN, valid_entry(identifier="DFT-RAS-0001")).identifier == "DFT-RAS-0001"


def test_changing_the_identifier_to_one_another_entry_has_is_refused(dft):
    first = create_dataset(ADMIN, valid_entry(identifier="A-1"))
    second = create_dataset(ADMIN, valid_entry(identifier="B-1"))
    with pytest.raises(ConflictError) as caught:
        patch_dataset(ADMIN, second.slug, {"identifier": "A-1"})
    assert caught.value.code == "identifier_taken" and first.slug in caught.value.detail
    with pytest.raises(ConflictError):
        update_dataset(ADMIN, second.slug, valid_entry(identifier="A-1"))
    db.session.expire_all()
    assert db.session.get(Dataset, second.id).identifier == "B-1"


def test_an_entry_keeps_its_own_identifier_through_other_changes(dft):
    entry = create_dataset(ADMIN, valid_entry(identifier="A-1"))
    assert patch_dataset(ADMIN, entry.slug, {"title": "Renamed"}).identifier == "A-1"
    assert update_dataset(ADMIN, entry.slug, valid_entry(title="Again", identifier="A-1")).title == "Again"


def test_moving_an_entry_to_an_organisation_whose_entry_has_its_identifier_is_refused(dft, dfe):
    theirs = create_dataset(ADMIN, valid_entry(publisher=DFE, identifier="STATS-1"))
    mine = create_dataset(ADMIN, valid_entry(identifier="STATS-1"))
    with pytest.raises(ConflictError) as caught:
        patch_dataset(ADMIN, mine.slug, {"publisher": DFE})
    assert caught.value.code == "identifier_taken" and theirs.slug in caught.value.detail
    db.session.expire_all()
    assert db.session.get(Dataset, mine.id).organisation.slug == "department-for-transport"


def test_a_batch_with_two_entries_of_one_identifier_is_refused_whole(dft, dfe):
    rows = [
        (None, valid_entry(identifier="X-1")),
        (None, valid_entry(publisher=DFE, identifier="X-1")),  # another organisation: fine
        (None, valid_entry(identifier="X-1")),
    ]
    with pytest.raises(ConflictError) as caught:
        create_datasets(ADMIN, rows)
    assert caught.value.code == "identifier_taken"
    assert count() == 0


def test_a_csv_file_reports_each_row_whose_identifier_is_taken_and_imports_nothing(dft):
    existing = create_dataset(ADMIN, valid_entry(identifier="RAS-01"))
    rows = parse_csv(
        csv_text(
            {**GOOD, "title": "One", "identifier": "RAS-01"},
            {**GOOD, "title": "Two", "identifier": "RAS-02"},
            {**GOOD, "title": "Three", "identifier": "RAS-02"},
            {**GOOD, "title": "Four", "identifier": ""},
            {**GOOD, "title": "Five", "identifier": ""},
            columns=[*GOOD, "identifier"],
        )
    )
    report = check_rows(ADMIN, dft, rows)
    assert [(e.row, e.column) for e in report.errors] == [(2, "identifier"), (4, "identifier")]
    assert existing.slug in report.errors[0].message
    assert report.errors[1] == RowError(
        4, "identifier", "Row 3 has the same identifier: each entry needs its own"
    )
    with pytest.raises(ImportRejectedError):
        import_rows(ADMIN, dft, rows)
    assert count() == 1


def test_a_dataset_and_a_data_service_of_one_organisation_may_share_an_identifier(dft):
    # The Data Marketplace's own samples give a dataset and the API serving it one supplier
    # reference ("acme-123"); two data services may not share one.
    create_dataset(ADMIN, valid_entry(identifier="acme-123"))
    service = valid_entry(
        identifier="acme-123",
        type="data_service",
        endpoint_url="https://api.example.gov.uk/v1",
        distributions=[],
    )
    create_dataset(ADMIN, service)
    with pytest.raises(ConflictError) as caught:
        create_dataset(ADMIN, {**service, "title": "Another API"})
    assert caught.value.code == "identifier_taken"
    assert count() == 2
