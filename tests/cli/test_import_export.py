"""The import and export commands, run as an operator would: a CSV file in (all rows or none, with a
row-by-row report), every entry out as JSON lines that rebuild the same catalogue."""

from __future__ import annotations

import csv
import json
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.models import Dataset, Revision
from marketplace.schemas.dataset_out import editable_view
from marketplace.services.datasets import create_datasets, delete_dataset, withdraw_dataset
from tests.conftest import empty_all_tables
from tests.factories import ADMIN, OGL, create_dataset, create_organisation
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


def _catalogue(app) -> None:
    """Entries of every kind, status and organisation, with everything the model can hold."""
    dfe = create_organisation(slug="department-for-education", title="Department for Education")
    dft = create_organisation()
    create_dataset(
        organisation=dft,
        alternative_titles=["STATS19"],
        creators=["Road Safety Statistics"],
        version="2024",
        identifier="RAS-01",
        created="2013-01-01",
        related_resources=["https://www.gov.uk/road-safety"],
        keywords=["zebra", "road safety", "Casualties"],
        themes=["transport-and-infrastructure", "health-and-care"],
        quality={
            "completeness": {"rating": 4, "assessed_on": "2025-01-01", "method": "Sampling"},
            "timeliness": {"rating": 2, "assessed_on": "2025-02-01", "action_plan_url": "https://x.gov.uk"},
        },
        distributions=[
            {"title": "One", "download_url": "https://dft.gov.uk/1.csv", "media_type": "text/csv"},
            {"title": "Two", "access_url": "https://dft.gov.uk/2", "description": "Line one\nline two"},
        ],
    )
    create_dataset(organisation=dft, status="draft", title="Ünïcode draft — naïve “quotes”")
    withdrawn = create_dataset(organisation=dfe, title="Schools 2019")
    withdraw_dataset(ADMIN, str(withdrawn.id))
    create_dataset(
        organisation=dfe,
        type="data_service",
        title="School lookup API",
        distributions=[],
        endpoint_url="https://api.education.gov.uk/schools",
        service_type="REST",
        service_status="LIVE",
        serves_datasets=["schools-2019"],
    )
    deleted = create_dataset(organisation=dfe, title="Deleted one")
    delete_dataset(ADMIN, str(deleted.id))


def _entries() -> dict[str, dict]:
    db.session.expire_all()
    rows = db.session.scalars(select(Dataset).where(Dataset.deleted_at.is_(None)))
    return {str(d.id): editable_view(d) for d in rows}


def test_export_jsonl_writes_every_entry_and_rebuilds_the_same_catalogue(runner, app, tmp_path):
    _catalogue(app)
    before = _entries()
    assert {e["status"] for e in before.values()} == {"published", "draft", "withdrawn"}
    out = tmp_path / "catalogue.jsonl"
    result = runner.invoke(args=["export", "jsonl", str(out)])
    assert result.exit_code == 0, result.output
    assert f"Exported 4 entries to {out}." in result.output
    lines = out.read_text(encoding="utf-8").splitlines()
    exported = [json.loads(line) for line in lines]
    assert len(exported) == 4 and "Ünïcode" in out.read_text(encoding="utf-8")
    assert {"id", "slug", "publisher", "organisation", "quality", "created_at"} <= set(exported[0])

    # Into an empty catalogue, through the service every client uses.
    empty_all_tables()
    create_organisation(slug="department-for-education", title="Department for Education")
    create_organisation()
    withdrawn = [e["id"] for e in exported if e["status"] == "withdrawn"]
    create_datasets(
        ADMIN,
        (
            (uuid.UUID(e["id"]), {**e, "status": "published" if e["id"] in withdrawn else e["status"]})
            for e in exported
        ),
    )
    for dataset_id in withdrawn:
        withdraw_dataset(ADMIN, dataset_id)
    assert _entries() == before
    again = runner.invoke(args=["export", "jsonl", str(tmp_path / "again.jsonl")])
    assert again.exit_code == 0
    reexported = [json.loads(line) for line in (tmp_path / "again.jsonl").read_text().splitlines()]
    assert _comparable(reexported) == _comparable(exported)


def _comparable(exported: list[dict]) -> dict[str, dict]:
    """An export without what the service sets itself: timestamps and distribution ids."""
    stamps = {"created_at", "updated_at", "published_at", "withdrawn_at"}
    return {
        e["id"]: {
            **{k: v for k, v in e.items() if k not in stamps},
            "distributions": [{k: v for k, v in d.items() if k != "id"} for d in e["distributions"]],
        }
        for e in exported
    }


def test_export_of_an_empty_catalogue_writes_an_empty_file(runner, app, tmp_path):
    before = stored_catalogue()
    result = runner.invoke(args=["export", "jsonl", str(tmp_path / "empty.jsonl")])
    assert result.exit_code == 0 and "Exported 0 entries" in result.output
    assert (tmp_path / "empty.jsonl").read_text() == ""
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
