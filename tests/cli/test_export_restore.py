"""`export jsonl` and `import jsonl` as an operator runs them: a catalogue exported, restored into
a new, empty instance (migrated, not seeded) and exported again gives the same bytes, and the
restored entries answer as the originals did."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import func, select

from marketplace.errors import PermissionDeniedError
from marketplace.extensions import db
from marketplace.models import Dataset, Organisation
from marketplace.rules.actors import Actor
from marketplace.schemas.dataset_out import editable_view
from marketplace.search import index_root, index_status
from marketplace.services.datasets import delete_dataset, patch_dataset, withdraw_dataset
from marketplace.services.export import export_lines
from marketplace.services.quality import rate_quality
from marketplace.services.restore import check_export
from tests.conftest import IsolatedClient, empty_all_tables, make_app
from tests.factories import ADMIN, create_dataset, create_organisation, create_token, create_user
from tests.helpers import api
from tests.support import stored_catalogue

DATASETS = "/api/v1/datasets"


@contextmanager
def empty_instance(new_database_url, path: Path) -> Iterator[Flask]:
    """Another instance of the service: its own database, built by the migrations, and its own index."""
    other = make_app(new_database_url(), path)
    other.test_client_class = IsolatedClient
    with other.app_context():
        upgrade()
        yield other
        db.session.remove()


def seed_every_kind_of_entry() -> dict[str, Dataset]:
    """Entries of both types in every status, renamed, rated, with distributions and a deletion."""
    dfe = create_organisation(slug="department-for-education", title="Department for Education")
    dft = create_organisation()
    roads = create_dataset(
        organisation=dft,
        title="Road safety",
        alternative_titles=["STATS19"],
        creators=["Road Safety Statistics"],
        identifier="RAS-01",
        keywords=["zebra", "road safety", "Casualties"],
        themes=["transport-and-infrastructure", "health-and-care"],
        quality={"completeness": {"rating": 4, "assessed_on": "2025-01-01", "method": "Sampling"}},
        distributions=[
            {"title": "One", "download_url": "https://dft.gov.uk/1.csv", "media_type": "text/csv"},
            {"title": "Two", "access_url": "https://dft.gov.uk/2", "description": "Line one\nline two"},
        ],
    )
    rate_quality(
        ADMIN,
        str(roads.id),
        {
            "completeness": {"rating": 4, "assessed_on": "2025-01-01", "method": "Sampling"},
            "timeliness": {"rating": 2, "assessed_on": "2025-02-01", "action_plan_url": "https://x.gov.uk"},
        },
    )
    patch_dataset(ADMIN, str(roads.id), {"slug": "road-safety-data"})
    patch_dataset(ADMIN, str(roads.id), {"slug": "road-casualties"})
    draft = create_dataset(organisation=dft, status="draft", title="Ünïcode draft — naïve “quotes”")
    schools = create_dataset(organisation=dfe, title="Schools 2020")
    old_schools = create_dataset(organisation=dfe, title="Schools 2019")
    withdraw_dataset(
        ADMIN, str(old_schools.id), reason="Superseded by the 2020 figures.", replaced_by=schools.slug
    )
    service = create_dataset(
        organisation=dfe,
        type="data_service",
        title="School lookup API",
        distributions=[],
        endpoint_url="https://api.education.gov.uk/schools",
        service_type="REST",
        service_kind="BULK",
        service_status="LIVE",
        serves_datasets=["schools-2020"],
    )
    # The first file of the roads entry is given by the service too (DCAT-UK accessService).
    files = [{k: v for k, v in d.items() if k != "id"} for d in editable_view(roads)["distributions"]]
    files[0]["access_services"] = [str(service.id)]
    patch_dataset(ADMIN, str(roads.id), {"distributions": files})
    deleted = create_dataset(organisation=dfe, title="Deleted one")
    delete_dataset(ADMIN, str(deleted.id))
    entries = {"roads": roads, "draft": draft, "schools": schools, "withdrawn": old_schools}
    entries |= {"service": service, "deleted": deleted}
    db.session.expire_all()
    return {name: db.session.get(Dataset, dataset.id) for name, dataset in entries.items()}


def export(app: Flask, path: Path) -> bytes:
    result = app.test_cli_runner().invoke(args=["export", "jsonl", str(path)])
    assert result.exit_code == 0, result.output
    return path.read_bytes()


def answers(client, reference: str, token: str) -> tuple[int, dict, str | None]:
    response = client.get(f"{DATASETS}/{reference}", headers={"Authorization": f"Bearer {token}"})
    body = response.get_json() if response.status_code == 200 else {}
    keep = ("id", "slug", "status", "created_at", "updated_at", "published_at", "withdrawn_at", "quality")
    keep += ("distributions", "withdrawal_reason", "replaced_by", "type", "freshness", "keywords")
    keep += ("service_kind",)
    return response.status_code, {k: body.get(k) for k in keep}, response.headers.get("ETag")


def test_a_restored_catalogue_exports_byte_for_byte_the_same_and_answers_the_same(
    app, client, new_database_url, tmp_path
):
    entries = seed_every_kind_of_entry()
    admin = create_user(email="ops@cabinetoffice.gov.uk", roles=("site_admin",))
    before = {name: answers(client, str(d.id), create_token(user=admin)) for name, d in entries.items()}
    first = export(app, tmp_path / "first.jsonl")
    lines = [json.loads(line) for line in first.decode().splitlines()]
    assert lines[0] == {"format": "data-marketplace-export", "version": 1, "organisations": 2, "entries": 6}
    assert [line["kind"] for line in lines[1:]] == ["organisation"] * 2 + ["entry"] * 6
    assert "Ünïcode draft — naïve “quotes”" in first.decode()  # UTF-8, not \u escapes
    by_id = {line["id"]: line for line in lines[1:] if line["kind"] == "entry"}
    assert by_id[str(entries["service"].id)]["service_kind"] == "BULK"
    given_by = [d["access_services"] for d in by_id[str(entries["roads"].id)]["distributions"]]
    assert given_by == [[str(entries["service"].id)], []]

    with empty_instance(new_database_url, tmp_path / "second") as second:
        result = second.test_cli_runner().invoke(args=["import", "jsonl", str(tmp_path / "first.jsonl")])
        assert result.exit_code == 0, result.output
        assert "Imported 6 entries and 2 organisations" in result.output
        assert export(second, tmp_path / "again.jsonl") == first

        other = second.test_client()
        token = create_token(user=create_user(email="ops@cabinetoffice.gov.uk", roles=("site_admin",)))
        for name, dataset in entries.items():
            assert answers(other, str(dataset.id), token) == before[name], name
            if not dataset.is_deleted:
                assert answers(other, dataset.slug, token) == before[name], name
        moved = api(other, "GET", f"{DATASETS}/road-safety-data", status=301, token=token)
        assert moved.headers["Location"].endswith(f"{DATASETS}/road-casualties")
        assert before["deleted"][0] == 410
        history = api(other, "GET", f"{DATASETS}/road-casualties/revisions", status=200, token=token)
        assert [r["action"] for r in history.get_json()["items"]][-1] == "create"

        status = index_status(index_root())
        assert status.available and status.pending == 0
        found = api(other, "GET", f"{DATASETS}?q=zebra", status=200).get_json()
        assert [item["slug"] for item in found["items"]] == ["road-casualties"]
        assert api(other, "GET", f"{DATASETS}?q=deleted", status=200).get_json()["total"] == 0


def test_the_seed_catalogue_survives_export_and_restore_byte_for_byte(
    app, runner, new_database_url, tmp_path
):
    assert runner.invoke(args=["seed"]).exit_code == 0
    first = export(app, tmp_path / "seed.jsonl")
    with empty_instance(new_database_url, tmp_path / "second") as second:
        result = second.test_cli_runner().invoke(args=["import", "jsonl", str(tmp_path / "seed.jsonl")])
        assert result.exit_code == 0, result.output
        assert export(second, tmp_path / "again.jsonl") == first


@pytest.fixture
def exported(app, tmp_path) -> list[str]:
    seed_every_kind_of_entry()
    return export(app, tmp_path / "catalogue.jsonl").decode().splitlines()


def import_lines(runner, path: Path, lines: list[str]):
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return runner.invoke(args=["import", "jsonl", str(path)])


def edited(line: str, **changes) -> str:
    return json.dumps({**json.loads(line), **changes}, ensure_ascii=False)


@pytest.fixture
def emptied(app, exported):
    """The catalogue's export, with the catalogue then emptied: a restore would succeed."""
    empty_all_tables()
    return exported


def refused_import(runner, tmp_path: Path, lines: list[str], *expected: str) -> str:
    """Import `lines`, which must be refused with every `expected` text and leave the database as it was."""
    before = stored_catalogue()
    organisations = db.session.scalar(select(func.count()).select_from(Organisation))
    result = import_lines(runner, tmp_path / "bad.jsonl", lines)
    assert result.exit_code == 1, result.output
    assert "so nothing was imported" in result.output
    for text in expected:
        assert text in result.output, result.output
    assert stored_catalogue() == before
    assert db.session.scalar(select(func.count()).select_from(Organisation)) == organisations
    return result.output


def test_a_line_that_is_not_json_is_named_and_nothing_is_imported(runner, emptied, tmp_path):
    lines = list(emptied)
    lines[4] = lines[4][:-20]
    refused_import(runner, tmp_path, lines, "Line 5: Not valid JSON")
    assert stored_catalogue()["entries"] == {}


def test_a_file_without_our_header_or_of_another_version_is_refused(runner, emptied, tmp_path):
    refused_import(runner, tmp_path, emptied[1:], "Line 1, format:")
    refused_import(runner, tmp_path, [edited(emptied[0], version=2), *emptied[1:]], "only version 1")
    refused_import(runner, tmp_path, emptied[:-1], "Line 1, entries: The header says 6; the file has 5.")
    refused_import(runner, tmp_path, [], "The file is empty")


def test_an_entry_failing_validation_is_named_by_line_and_field(runner, emptied, tmp_path):
    lines = list(emptied)
    lines[3] = edited(lines[3], access_rights="SECRETISH", lock_version=0)
    entry = json.loads(lines[4])
    entry["distributions"][0]["download_url"] = "not a web address"
    lines[4] = json.dumps(entry)
    refused_import(
        runner,
        tmp_path,
        lines,
        "Line 4, access_rights:",
        "Line 4, lock_version:",
        "Line 5, distributions.0.download_url:",
    )


def test_an_unknown_field_is_refused_by_line_and_name(runner, emptied, tmp_path):
    lines = list(emptied)
    lines[5] = edited(lines[5], colour="red")
    refused_import(runner, tmp_path, lines, "Line 6, colour: Unknown field.")


def test_an_entry_already_here_is_refused_not_overwritten(runner, app, exported, tmp_path):
    output = refused_import(runner, tmp_path, exported, "a restore never overwrites")
    assert "Line 4, id:" in output and "Line 4, slug:" in output


def test_the_same_id_twice_in_a_file_names_both_lines(runner, emptied, tmp_path):
    first = json.loads(emptied[3])
    lines = [*emptied, edited(emptied[4], id=first["id"])]
    lines[0] = edited(lines[0], entries=7)
    refused_import(runner, tmp_path, lines, f"Line 10, id: Line 4 has the same id, {first['id']}.")


def test_an_entry_of_an_organisation_neither_here_nor_in_the_file_is_refused(runner, emptied, tmp_path):
    lines = [edited(emptied[0], organisations=1), emptied[2], *emptied[3:]]
    output = refused_import(runner, tmp_path, lines, "There is no organisation 'department-for-education'")
    assert "Line 2, publisher" not in output


def test_a_dry_run_checks_the_file_and_writes_nothing(runner, emptied, tmp_path):
    result = import_lines(runner, tmp_path / "ok.jsonl", emptied)
    assert stored_catalogue()["entries"]
    empty_all_tables()
    (tmp_path / "again.jsonl").write_text("\n".join(emptied) + "\n", encoding="utf-8")
    result = runner.invoke(args=["import", "jsonl", str(tmp_path / "again.jsonl"), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "All 6 entries are ready to import (dry run: nothing written)." in result.output
    assert stored_catalogue()["entries"] == {}


def test_organisations_already_here_are_used_as_they_are(runner, emptied, tmp_path):
    create_organisation(title="Department for Transport (renamed)")
    result = import_lines(runner, tmp_path / "ok.jsonl", emptied)
    assert result.exit_code == 0, result.output
    assert "Imported 6 entries and 1 organisations" in result.output
    assert "department-for-transport were here already" in result.output
    dft = db.session.scalar(select(Organisation).where(Organisation.slug == "department-for-transport"))
    assert dft.title == "Department for Transport (renamed)"
    assert {d.organisation.slug for d in db.session.scalars(select(Dataset))} == {
        "department-for-transport",
        "department-for-education",
    }


def test_only_the_operator_may_export_or_restore(app):
    publisher = Actor.for_user(create_user(email="bob@dft.gov.uk", roles=()), "session", {"read", "publish"})
    with pytest.raises(PermissionDeniedError):
        next(export_lines(publisher))
    with pytest.raises(PermissionDeniedError):
        check_export(publisher, "")


def test_restore_only_fields_are_checked_too(runner, emptied, tmp_path):
    lines = list(emptied)
    entry = json.loads(lines[3])
    entry["revisions"][0]["actor"] = "nul\u0000byte"
    lines[3] = json.dumps(entry)
    lines[4] = edited(lines[4], created_at="yesterday", old_slugs=[{"slug": "Not A Slug"}])
    refused_import(
        runner,
        tmp_path,
        lines,
        "Line 4, revisions.0.actor: Must not contain NUL characters",
        "Line 5, created_at: Not a timestamp with a time zone.",
        "Line 5, old_slugs.0.slug: Use lower-case letters",
        "Line 5, old_slugs.0.retired_at: Missing data for required field.",
    )


def test_a_file_from_before_service_kinds_and_access_services_still_restores(runner, emptied, tmp_path):
    lines = list(emptied)
    for number, line in enumerate(lines):
        entry = json.loads(line)
        if entry.get("kind") != "entry":
            continue
        entry.pop("service_kind", None)
        for distribution in entry.get("distributions") or []:
            distribution.pop("access_services", None)
        lines[number] = json.dumps(entry, ensure_ascii=False)

    result = import_lines(runner, tmp_path / "older.jsonl", lines)

    assert result.exit_code == 0, result.output
    restored = db.session.scalars(select(Dataset)).all()
    assert {d.service_kind for d in restored} == {None}
    assert all(row.access_services == [] for d in restored for row in d.distributions)


def test_bad_service_kinds_and_access_services_are_named_by_line_and_field(runner, emptied, tmp_path):
    lines = list(emptied)
    numbers = {json.loads(line).get("type"): n for n, line in enumerate(lines) if '"kind":"entry"' in line}
    service, dataset = numbers["data_service"], numbers["dataset"]
    lines[service] = edited(lines[service], service_kind="STREAMING")
    entry = json.loads(lines[dataset])
    entry["distributions"] = [
        {
            "id": str(uuid.uuid4()),
            "title": "A",
            "access_url": "https://a.gov.uk",
            "access_services": ["not-an-id"],
        }
    ]
    lines[dataset] = json.dumps(entry)
    refused_import(
        runner,
        tmp_path,
        lines,
        f"Line {service + 1}, service_kind: 'STREAMING' is not a known kind of service.",
        f"Line {dataset + 1}, distributions.0.access_services.0: Must be the id (a UUID)",
    )
