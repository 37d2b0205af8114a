"""Bringing a department's data.gov.uk entries over as a `ckanapi dump datasets` file, with no
network access from the server: packages as data.gov.uk writes them come in through our
validation, with what they leave out filled in and noted; a later dump of the same name updates
and withdraws; a malformed file changes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import Dataset
from marketplace.models.harvest import HarvestRun
from tests.factories import create_organisation


def dgu_package(number: int, **overrides) -> dict:
    """A package as data.gov.uk's CKAN returns it (its own keys and extras included)."""
    package = {
        "id": f"5e1c4a1e-0000-4000-8000-00000000000{number}",
        "name": f"road-traffic-estimates-{number}",
        "title": f"Road traffic estimates {number}",
        "notes": "Annual road traffic estimates for Great Britain.",
        "owner_org": "d21a2b5b-2a9f-4f21-9b2f-6d5bd36c2a3b",
        "organization": {"name": "department-for-transport", "title": "Department for Transport"},
        "license_id": "uk-ogl",
        "maintainer": "Road traffic statistics",
        "maintainer_email": "roadtraff.stats@dft.gov.uk",
        "author": None,
        "author_email": None,
        "private": False,
        "state": "active",
        "type": "dataset",
        "metadata_created": "2012-06-01T10:00:00.000000",
        "metadata_modified": "2026-05-14T09:12:33.123456",
        "tags": [{"name": "traffic", "display_name": "traffic"}],
        "groups": [],
        "num_tags": 1,
        "url": "https://www.gov.uk/government/collections/road-traffic-statistics",
        "schema-vocabulary": [],
        "extras": [
            {"key": "update_frequency", "value": "annually"},
            {"key": "theme-primary", "value": "Transport"},
        ],
        "resources": [
            {
                "id": "r1",
                "name": "Estimates by region (CSV)",
                "url": f"https://assets.example.gov.uk/traffic-{number}.csv",
                "format": "CSV",
                "mimetype": "text/csv",
            },
            {
                "id": "r2",
                "name": "About the estimates",
                "url": "https://www.gov.uk/guidance/road-traffic-statistics",
                "format": "HTML",
                "mimetype": "text/html; charset=utf-8",
            },
        ],
        "num_resources": 2,
    }
    package.update(overrides)
    return package


def _write(path: Path, packages: list[dict], extra_lines: tuple[str, ...] = ()) -> Path:
    path.write_text("\n".join([json.dumps(p) for p in packages] + list(extra_lines)) + "\n")
    return path


@pytest.fixture
def cli(app):
    create_organisation(slug="department-for-transport", title="Department for Transport")
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(args=["harvest", *args])


def _entries() -> dict[str, Dataset]:
    db.session.expire_all()
    return {d.title: d for d in db.session.scalars(select(Dataset).where(Dataset.deleted_at.is_(None)))}


def _last_run() -> HarvestRun:
    db.session.expire_all()
    return db.session.scalars(select(HarvestRun).order_by(HarvestRun.id.desc())).first()


def test_a_data_gov_uk_dump_comes_in_with_what_it_leaves_out_filled_in_and_noted(app, cli, tmp_path):
    dump = _write(tmp_path / "dft.jsonl", [dgu_package(1), dgu_package(2)])
    result = cli("import-ckan", str(dump), "--org", "department-for-transport")
    assert result.exit_code == 0, result.output
    assert _last_run().counts == {"created": 2}
    road = _entries()["Road traffic estimates 1"]
    assert road.slug == "road-traffic-estimates-1" and road.status == "published"
    assert road.access_rights == "OPEN" and road.security_classification == "OFFICIAL"
    assert road.licence == "http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
    assert (
        road.contact_email == "roadtraff.stats@dft.gov.uk" and road.contact_name == "Road traffic statistics"
    )
    assert road.update_frequency == "annual" and str(road.modified) == "2026-05-14"
    assert [d.format for d in road.distributions] == ["CSV", "HTML"]
    assert road.distributions[1].media_type == "text/html"  # its charset parameter set aside
    assert "access_rights: Not given: set to 'OPEN' (a public package on a CKAN site)." in result.output
    assert "contact_point: Not given" in result.output
    body = app.test_client().get("/api/v1/datasets/road-traffic-estimates-1").get_json()
    assert body["harvested_from"]["identifier"] == "5e1c4a1e-0000-4000-8000-000000000001"
    assert body["harvested_from"]["catalogue"] is None  # a file: its path is not shown


def test_a_later_dump_of_the_same_name_updates_and_withdraws(app, cli, tmp_path):
    dump = _write(tmp_path / "dft.jsonl", [dgu_package(1), dgu_package(2)])
    assert cli("import-ckan", str(dump), "--org", "department-for-transport").exit_code == 0
    _write(dump, [dgu_package(1, title="Road traffic estimates, revised")])
    result = cli("import-ckan", str(dump), "--org", "department-for-transport")
    assert result.exit_code == 0, result.output
    assert _last_run().counts == {"updated": 1, "withdrawn": 1}
    entries = _entries()
    assert entries["Road traffic estimates, revised"].slug == "road-traffic-estimates-1"
    assert entries["Road traffic estimates 2"].status == "withdrawn"
    reason = entries["Road traffic estimates 2"].withdrawal_reason
    assert reason == "No longer in the CKAN export file it was imported from."  # no server path


def test_a_package_our_validation_refuses_is_reported_and_the_rest_come_in(app, cli, tmp_path):
    refused = dgu_package(2, license_id="some-local-licence", maintainer_email=None)
    dump = _write(tmp_path / "dft.jsonl", [dgu_package(1), refused])
    result = cli("import-ckan", str(dump), "--org", "department-for-transport")
    assert result.exit_code == 0, result.output
    assert _last_run().counts == {"created": 1, "failed": 1}
    assert "failed: 5e1c4a1e-0000-4000-8000-000000000002 (Road traffic estimates 2)" in result.output
    assert "licence:" in result.output and "contact_point:" in result.output
    assert set(_entries()) == {"Road traffic estimates 1"}


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ('{"id": "x", "title": ', "line 2: not valid JSON"),
        ("[1, 2]", "line 2: a package that is not a JSON object"),
        ('{"title": "No id"}', "line 2: a package with neither an id nor a name"),
    ],
)
def test_a_malformed_dump_changes_nothing(app, cli, tmp_path, line, reason):
    dump = _write(tmp_path / "dft.jsonl", [dgu_package(1)])
    assert cli("import-ckan", str(dump), "--org", "department-for-transport").exit_code == 0
    before = {title: d.updated_at for title, d in _entries().items()}
    _write(dump, [dgu_package(1, title="Changed")], extra_lines=(line,))
    result = cli("import-ckan", str(dump), "--org", "department-for-transport")
    assert result.exit_code == 1
    assert f"dft.jsonl, {reason}" in result.output and "Nothing was changed" in result.output
    assert {title: d.updated_at for title, d in _entries().items()} == before


def test_an_import_needs_a_known_organisation_and_an_existing_file(app, cli, tmp_path):
    dump = _write(tmp_path / "dft.jsonl", [dgu_package(1)])
    refused = cli("import-ckan", str(dump), "--org", "nobody")
    assert refused.exit_code == 1 and "org: There is no organisation called 'nobody'." in refused.output
    assert (
        cli("import-ckan", str(tmp_path / "missing.jsonl"), "--org", "department-for-transport").exit_code
        == 2
    )
