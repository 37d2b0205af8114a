"""The CSV import service: reading files as spreadsheets write them, reporting each problem by row
and column, creating all rows or none, and the same permission rule as everywhere else."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import func, select

from marketplace.errors import AuthenticationError, PermissionDeniedError, ValidationError
from marketplace.extensions import db
from marketplace.models import Dataset, Revision
from marketplace.rules.actors import Actor
from marketplace.schemas.csv_entry import COLUMN_NAMES
from marketplace.services.importing import (
    MAX_ROWS,
    ImportRejectedError,
    RowError,
    check_rows,
    csv_template,
    decode_csv,
    import_rows,
    parse_csv,
)
from tests.factories import ADMIN, OGL, create_organisation, create_user
from tests.support import stored_catalogue

GOOD = {
    "title": "Road casualties",
    "description": "Casualties in **reported** road collisions.",
    "status": "published",
    "access_rights": "OPEN",
    "security_classification": "OFFICIAL",
    "licence": OGL,
    "modified": "2025-09-25",
    "contact_name": "Road Safety Statistics",
    "contact_email": "roadacc.stats@dft.gov.uk",
    "distribution_title": "Casualties 2024",
    "distribution_download_url": "https://data.dft.gov.uk/casualty-2024.csv",
    "distribution_media_type": "text/csv",
}


def csv_text(*rows: dict[str, str], columns: list[str] | None = None) -> str:
    columns = columns or list(GOOD)
    out = io.StringIO()
    writer = csv.DictWriter(out, columns, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


@pytest.fixture
def dft(app):
    return create_organisation()


@pytest.fixture
def publisher(dft) -> Actor:
    user = create_user(email="ann@dft.gov.uk", organisation=dft, roles=("publisher",))
    return Actor.for_user(user, "session", {"read", "publish"})


def file_errors(text: str) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        parse_csv(text)
    return caught.value.errors["file"]


def count() -> int:
    return db.session.scalar(select(func.count()).select_from(Dataset))


# Reading files


def test_a_file_as_excel_saves_it_is_read_bom_crlf_quotes_and_newlines_in_cells():
    text = (
        "\ufeffTitle,Description,Keywords\r\n"
        '"Roads, ""major"" and minor","Line one\r\nline two",roads; traffic ;\r\n'
        ",,\r\n"  # a blank row Excel leaves behind
        "Rail,,\r\n"
    )
    rows = parse_csv(text)
    assert [r.number for r in rows] == [2, 4]
    assert rows[0].values == {
        "title": 'Roads, "major" and minor',
        "description": "Line one\r\nline two",
        "keywords": "roads; traffic ;",
    }


def test_row_numbers_count_records_not_lines():
    rows = parse_csv('title,description\r\nA,"one\ntwo\nthree"\r\nB,\r\n')
    assert [(r.number, r.values["title"]) for r in rows] == [(2, "A"), (3, "B")]


def test_bytes_must_be_utf8_and_a_bom_is_dropped():
    assert decode_csv("\ufefftitle\nCafé".encode()) == "title\nCafé"
    for data, message in [
        ("title\nCafé".encode("cp1252"), "not UTF-8"),
        (b"", "empty"),
        (b"  \r\n", "empty"),
        (b"PK\x03\x04rest-of-a-workbook", "spreadsheet"),
        ("title\nx".encode("utf-16"), "UTF-16"),
        (b"title\nx\x00y", "binary"),
    ]:
        with pytest.raises(ValidationError) as caught:
            decode_csv(data)
        assert message in caught.value.errors["file"][0], data


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("\ufeff\r\n", "empty"),
        ("title,summary\r\n", "no entries"),
        ("title,summary\r\n,\r\n,\r\n", "no entries"),
        ("title,colour\r\nA,red\r\n", "unknown columns: colour"),
        ("title,summary,Summary\r\nA,b,c\r\n", "repeats columns: summary"),
        ("summary\r\nA\r\n", "no title column"),
        ("title;summary\r\nA;b\r\n", "separate the columns with commas"),
        ('title\r\n"unterminated\r\n', "not a valid CSV file"),
    ],
)
def test_files_that_cannot_be_read_as_entries_are_refused_clearly(text, message):
    assert any(message in m for m in file_errors(text)), file_errors(text)


def test_header_names_are_matched_in_any_case_and_with_spaces():
    [row] = parse_csv("Title , Contact email,temporal-coverage-start\r\nA,a@dft.gov.uk,2020-01-01\r\n")
    assert set(row.values) == {"title", "contact_email", "temporal_coverage_start"}


def test_more_than_the_row_limit_is_refused_and_the_limit_itself_is_fine():
    assert len(parse_csv("title\r\n" + "A\r\n" * MAX_ROWS)) == MAX_ROWS
    assert "more than 5,000 rows" in file_errors("title\r\n" + "A\r\n" * (MAX_ROWS + 1))[0]


def test_the_template_has_every_column_and_its_example_row_is_ready_to_publish(dft, publisher):
    rows = parse_csv(csv_template())
    assert csv_template().splitlines()[0] == ",".join(COLUMN_NAMES)
    assert len(rows) == 1
    assert check_rows(publisher, dft, rows).ok
    [dataset] = import_rows(publisher, dft, rows)
    assert dataset.status == "published" and dataset.distributions[0].byte_size == 38211022


# Reporting problems


def test_each_problem_is_reported_by_spreadsheet_row_and_column_name(dft, publisher):
    rows = parse_csv(
        csv_text(
            GOOD,
            {**GOOD, "title": "Bad one", "licence": "my licence", "contact_email": "nobody"},
            {**GOOD, "title": "", "distribution_download_url": "", "modified": "2099-01-01"},
            {**GOOD, "title": "Withdrawn", "status": "withdrawn"},
        )
    )
    report = check_rows(publisher, dft, rows)
    assert report.rows == 4 and report.rows_with_errors == 3
    found = {(e.row, e.column) for e in report.errors}
    assert found == {
        (3, "licence"),
        (3, "contact_email"),
        (4, "title"),
        (4, "distribution_access_url"),
        (4, "modified"),
        (5, "status"),
    }
    messages = {(e.row, e.column, e.message) for e in report.errors}
    assert (3, "contact_email", "Enter an email address, like roadsafety.stats@dft.gov.uk") in messages
    assert (4, "modified", "Must not be in the future.") in messages
    assert (4, "title", "Enter a value in the title column") in messages
    assert "Row 3, licence: Enter a licence by its short name" in "\n".join(report.lines())


def test_published_rows_need_the_fields_to_publish_and_drafts_need_only_a_title(dft, publisher):
    rows = parse_csv("title,status\r\nJust a draft,\r\nPublished too soon,published\r\n")
    report = check_rows(publisher, dft, rows)
    assert {e.row for e in report.errors} == {3}
    assert {e.column for e in report.errors} == {
        "description",
        "contact_name",
        "access_rights",
        "security_classification",
        "licence",
        "modified",
    }


def test_cells_are_converted_as_a_client_would_send_them(dft, publisher):
    row = {
        **GOOD,
        "keywords": "roads; Roads ;traffic;",
        "themes": "transport-and-infrastructure;Geography",
        "modified": "25/09/2025",
        "distribution_byte_size": "1,024",
        "type": "Dataset",
        "status": "Published",
    }
    [dataset] = import_rows(publisher, dft, parse_csv(csv_text(row, columns=list(row))))
    assert [k.keyword for k in dataset.keywords] == ["roads", "traffic"]
    assert sorted(t.theme for t in dataset.themes) == ["geography", "transport-and-infrastructure"]
    assert dataset.modified.isoformat() == "2025-09-25"
    assert dataset.distributions[0].byte_size == 1024
    assert dataset.distributions[0].format == "CSV"
    assert dataset.contact_email == "roadacc.stats@dft.gov.uk"
    assert dataset.organisation.slug == dft.slug


def test_a_byte_size_that_is_not_a_number_and_a_row_too_long_are_reported(dft, publisher):
    text = csv_text({**GOOD, "distribution_byte_size": "big"}, columns=[*GOOD, "distribution_byte_size"])
    text += '"Extra",' + ",".join([""] * len(GOOD)) + ",surprise\r\n"
    report = check_rows(publisher, dft, parse_csv(text))
    assert (
        RowError(
            2, "distribution_byte_size", "Enter a whole number, like 1048576, with no commas, spaces or units"
        )
        in report.errors
    )
    assert [e for e in report.errors if e.row == 3] == [
        RowError(3, "", "This row has 14 cells but the header row has only 13 columns.")
    ]


# All or none


def test_one_bad_row_among_good_ones_creates_nothing(dft, publisher):
    create_organisation(slug="department-for-education", title="Department for Education")
    before = stored_catalogue()
    rows = parse_csv(csv_text(GOOD, {**GOOD, "title": "Two"}, {**GOOD, "access_rights": "SECRETIVE"}))
    with pytest.raises(ImportRejectedError) as caught:
        import_rows(publisher, dft, rows)
    assert {(e.row, e.column) for e in caught.value.report.errors} == {(4, "access_rights")}
    assert "row 4.access_rights" in caught.value.errors
    assert stored_catalogue() == before


def test_a_row_failing_while_being_created_rolls_back_the_rows_before_it(dft, publisher, monkeypatch):
    # The catalogue can change between the check and the creation; the transaction still holds.
    from marketplace.services import importing

    rows = parse_csv(csv_text(GOOD, {**GOOD, "title": "Two"}, {**GOOD, "title": "Three"}))
    monkeypatch.setattr(importing, "check_rows", lambda *args: importing.ImportReport(rows=3))
    calls = {"n": 0}
    real = importing.entry_from_row

    def third_goes_bad(values, publisher):
        calls["n"] += 1
        body = real(values, publisher)
        return {**body, "licence": "gone"} if calls["n"] == 3 else body

    monkeypatch.setattr(importing, "entry_from_row", third_goes_bad)
    before = stored_catalogue()
    with pytest.raises(ValidationError):
        import_rows(publisher, dft, rows)
    assert stored_catalogue() == before


def test_good_rows_are_all_created_in_order_with_one_revision_each(dft, publisher):
    rows = parse_csv(csv_text(GOOD, {**GOOD, "title": "Road casualties"}, {"title": "A draft"}))
    created = import_rows(publisher, dft, rows)
    assert [(d.title, d.status) for d in created] == [
        ("Road casualties", "published"),
        ("Road casualties", "published"),
        ("A draft", "draft"),
    ]
    assert [d.slug for d in created] == ["road-casualties", "road-casualties-2", "a-draft"]
    revisions = db.session.scalars(select(Revision)).all()
    assert len(revisions) == 3 and {r.actor_label for r in revisions} == {"ann@dft.gov.uk"}


# Permission


def test_only_publishers_of_the_organisation_may_check_or_import(dft):
    other = create_organisation(slug="department-for-education", title="Department for Education")
    rows = parse_csv(csv_text(GOOD))
    eve = create_user(email="eve@education.gov.uk", organisation=other, roles=("publisher",))
    bob = create_user(email="bob@dft.gov.uk", organisation=dft, roles=("member",))
    for actor, error in [
        (Actor.for_user(eve, "session", {"read", "publish"}), PermissionDeniedError),
        (Actor.for_user(bob, "session", {"read", "publish"}), PermissionDeniedError),
        (Actor.anonymous(), AuthenticationError),
    ]:
        with pytest.raises(error):
            check_rows(actor, dft, rows)
        with pytest.raises(error):
            import_rows(actor, dft, rows)
    assert count() == 0
    assert len(import_rows(ADMIN, dft, rows)) == 1


def test_a_data_services_kind_is_a_column_and_a_bad_kind_or_a_kind_on_a_dataset_is_reported(dft, publisher):
    service = {
        **{k: v for k, v in GOOD.items() if not k.startswith("distribution_")},
        "type": "data_service",
        "endpoint_url": "https://api.dft.gov.uk/v1",
        "service_kind": "Bulk",
    }
    columns = list(service)
    rows = parse_csv(
        csv_text(
            {**service, "title": "Bad kind", "service_kind": "STREAMING"},
            {**service, "title": "A dataset", "type": "dataset"},
            columns=columns,
        )
    )
    report = check_rows(publisher, dft, rows)
    found = {(e.row, e.column) for e in report.errors}
    assert found == {(2, "service_kind"), (3, "service_kind"), (3, "endpoint_url")}

    [created] = import_rows(publisher, dft, parse_csv(csv_text(service, columns=columns)))
    assert created.service_kind == "BULK"
