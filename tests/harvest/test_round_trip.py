"""Instance B harvests instance A, both real servers on loopback: over A's CKAN Action API and,
separately, over A's DCAT catalogue. B's first run brings in what A shows anyone; after A
changes, withdraws and adds entries, B's second run mirrors exactly that."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import Dataset
from marketplace.models.harvest import HarvestRun
from marketplace.services.datasets import patch_dataset, withdraw_dataset
from tests.conftest import make_app, serving
from tests.factories import ADMIN, create_dataset, create_organisation

# The fields a harvest must carry over unchanged, as the REST API shows them.
CARRIED = (
    "type",
    "title",
    "description",
    "access_rights",
    "security_classification",
    "licence",
    "modified",
    "keywords",
    "themes",
    "update_frequency",
    "contact_point",
)


@pytest.fixture
def catalogue_a(new_database_url, tmp_path: Path) -> Iterator[tuple[Flask, str]]:
    """Instance A: its own database and index, served over HTTP, with four published entries, a
    draft and a withdrawn one (a harvester sees only the four)."""
    a = make_app(new_database_url(), tmp_path / "a")
    with a.app_context():
        upgrade()
        office = create_organisation(slug="home-office", title="Home Office")
        for number in range(1, 5):
            create_dataset(
                organisation=office,
                title=f"Border crossings {number}",
                slug=f"border-crossings-{number}",
                keywords=["borders", f"quarter {number}"],
            )
        create_dataset(organisation=office, title="Visa decisions draft", status="draft")
        gone = create_dataset(organisation=office, title="Old visa statistics", slug="old-visa-statistics")
        withdraw_dataset(ADMIN, str(gone.id), reason="Replaced.")
        db.session.remove()
    with serving(a) as base_url:
        yield a, base_url
    with a.app_context():
        db.session.remove()
        db.engine.dispose()


def _api(app: Flask, kind: str) -> dict[str, dict]:
    """Every published entry as the REST API shows it, by title. (RDF keeps no order among a
    dataset's keywords, so over DCAT they are compared as a set.)"""
    client = app.test_client()
    items = client.get("/api/v1/datasets?per_page=100&status=published").get_json()["items"]
    shown = {item["title"]: {field: item[field] for field in CARRIED} for item in items}
    if kind == "dcat":
        for fields in shown.values():
            fields["keywords"] = sorted(fields["keywords"])
    return shown


def _last_run() -> HarvestRun:
    db.session.expire_all()
    return db.session.scalars(select(HarvestRun).order_by(HarvestRun.id.desc())).first()


@pytest.mark.parametrize("kind", ["ckan", "dcat"])
def test_b_mirrors_a_over_its_api_then_mirrors_its_changes(app, catalogue_a, kind):
    a, a_url = catalogue_a
    create_organisation(slug="home-office-mirror", title="Home Office (mirror)")
    url = a_url if kind == "ckan" else f"{a_url}/catalog.ttl"
    cli = app.test_cli_runner()
    added = cli.invoke(
        args=["harvest", "add", "a", "--type", kind, "--url", url, "--org", "home-office-mirror"]
    )
    assert added.exit_code == 0, added.output
    first = cli.invoke(args=["harvest", "run", "a"])
    assert first.exit_code == 0, first.output
    assert _last_run().counts == {"created": 4}, first.output
    with a.app_context():
        expected = _api(a, kind)
    assert _api(app, kind) == expected

    with a.app_context():
        patch_dataset(ADMIN, "border-crossings-1", {"title": "Border crossings, first quarter"})
        withdraw_dataset(ADMIN, "border-crossings-2", reason="Wrong figures.")
        create_dataset(organisation=db.session.scalar(select(Dataset)).organisation, title="Asylum claims")
        expected = _api(a, kind)
        db.session.remove()
    second = cli.invoke(args=["harvest", "run", "a"])
    assert second.exit_code == 0, second.output
    assert _last_run().counts == {"created": 1, "unchanged": 2, "updated": 1, "withdrawn": 1}, second.output
    assert _api(app, kind) == expected
    withdrawn = db.session.scalar(select(Dataset).where(Dataset.slug == "border-crossings-2"))
    assert withdrawn.status == "withdrawn"
