"""The import command, run as an operator would: a CSV file in (all rows or none, with a row-by-row
report). The export and its restore have their own tests (test_export_restore.py)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.models import Dataset, Revision
from tests.factories import OGL, create_organisation
from tests.support import stored_catalogue

COLUMNS = ["title", "status", "description", "access_rights", "security_classification", "licence"]
COLUMNS += ["modified", "contact_name", "contact_email", "keywords"]


def write_csv(path: Path, *rows: dict[str, str]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.DictWriter(out, COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return path


def good(title: str, **overrides: str) -> dict[str, str]:
    row = {
        "title": title,
        "status": "published",
        "description": "Counts of **traffic** on major roads.",
        "access_rights": "OPEN",
        "security_classification": "OFFICIAL",
        "licence": OGL,
        "modified": "2025-06-30",
        "contact_name": "Traffic Statistics",
        "contact_email": "traffic.stats@dft.gov.uk",
        "keywords": "traffic;roads",
    }
    row.update(overrides)
    return row


def count() -> int:
    return db.session.scalar(select(func.count()).select_from(Dataset))


@pytest.fixture
def dft(app):
    return create_organisation()


def test_import_csv_creates_every_row_and_lists_what_it_made(runner, dft, tmp_path):
    path = write_csv(tmp_path / "entries.csv", good("Road traffic"), good("Bus usage", status="draft"))
    result = runner.invoke(args=["import", "csv", str(path), "--org", "department-for-transport"])
    assert result.exit_code == 0, result.output
    assert "Row 2: created road-traffic (published)" in result.output
    assert "Row 3: created bus-usage (draft)" in result.output
    assert "Created 2 entries for Department for Transport." in result.output
    assert count() == 2
    assert {r.actor_label for r in db.session.scalars(select(Revision))} == {"system:cli"}


def test_import_csv_with_a_bad_row_reports_it_exits_1_and_creates_nothing(runner, dft, tmp_path):
    path = write_csv(
        tmp_path / "entries.csv",
        good("Road traffic"),
        good("Bad", licence="whatever", contact_email="nobody"),
        good("Also fine"),
    )
    result = runner.invoke(args=["import", "csv", str(path), "--org", "department-for-transport"])
    assert result.exit_code == 1, result.output
    assert "Row 3, licence: Enter a licence by its short name" in result.output
    assert "Row 3, contact_email: Enter an email address" in result.output
    assert "1 of 3 rows has errors, so nothing was imported." in result.output
    assert count() == 0


def test_import_csv_dry_run_only_checks(runner, dft, tmp_path):
    path = write_csv(tmp_path / "entries.csv", good("Road traffic"))
    args = ["import", "csv", str(path), "--org", "department-for-transport", "--dry-run"]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    assert "All 1 rows are ready to import" in result.output and "dry run" in result.output
    assert count() == 0
    write_csv(path, good("Road traffic", modified="yesterday"))
    bad = runner.invoke(args=args)
    assert bad.exit_code == 1 and "Row 2, modified: Enter a date as year-month-day" in bad.output


def test_import_csv_refuses_an_unknown_organisation_a_missing_file_and_a_file_it_cannot_read(
    runner, dft, tmp_path
):
    path = write_csv(tmp_path / "entries.csv", good("Road traffic"))
    unknown = runner.invoke(args=["import", "csv", str(path), "--org", "no-such-org"])
    assert unknown.exit_code == 1 and "There is no organisation called 'no-such-org'" in unknown.output
    missing = runner.invoke(args=["import", "csv", str(tmp_path / "nope.csv"), "--org", dft.slug])
    assert missing.exit_code == 2 and "does not exist" in missing.output
    no_org = runner.invoke(args=["import", "csv", str(path)])
    assert no_org.exit_code == 2 and "--org" in no_org.output
    (tmp_path / "latin1.csv").write_bytes("title\nCafé".encode("cp1252"))
    unreadable = runner.invoke(args=["import", "csv", str(tmp_path / "latin1.csv"), "--org", dft.slug])
    assert unreadable.exit_code == 1 and "not UTF-8" in unreadable.output
    (tmp_path / "columns.csv").write_text("title,colour\nA,red\n")
    columns = runner.invoke(args=["import", "csv", str(tmp_path / "columns.csv"), "--org", dft.slug])
    assert columns.exit_code == 1 and "unknown columns: colour" in columns.output
    assert count() == 0


def test_export_of_an_empty_catalogue_writes_only_the_header(runner, app, tmp_path):
    before = stored_catalogue()
    result = runner.invoke(args=["export", "jsonl", str(tmp_path / "empty.jsonl")])
    assert result.exit_code == 0 and "Exported 0 entries" in result.output
    header = {"entries": 0, "format": "data-marketplace-export", "organisations": 0, "version": 1}
    assert (tmp_path / "empty.jsonl").read_text() == json.dumps(header, separators=(",", ":")) + "\n"
    assert stored_catalogue() == before


def test_a_byte_size_of_five_thousand_digits_is_a_row_error_naming_its_column(runner, tmp_path):
    create_organisation()
    path = tmp_path / "entries.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(
            ["title", "distribution_title", "distribution_download_url", "distribution_byte_size"]
        )
        writer.writerow(["Road casualties", "CSV", "https://data.dft.gov.uk/a.csv", "9" * 5000])
    result = runner.invoke(
        args=["import", "csv", str(path), "--org", "department-for-transport", "--dry-run"]
    )
    assert not isinstance(result.exception, ValueError), result.exception
    assert "Row 2, distribution_byte_size: Enter a whole number" in result.output
