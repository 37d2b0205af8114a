"""The seed catalogue loads through the services, is realistic in its spread, and loads once."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.models import Dataset, DatasetTheme, Organisation, QualityRating, Revision, RoleChange, User
from marketplace.seeding.load import SEED_DIR
from marketplace.seeding.synthetic import synthetic_entry
from marketplace.vocabularies import THEMES
from tests.conftest import empty_all_tables, make_app


def _count(stmt) -> int:
    return db.session.scalar(stmt)


def test_seed_loads_real_organisations_and_a_realistic_spread_of_entries(runner):
    result = runner.invoke(args=["seed"])
    assert result.exit_code == 0, result.output

    assert _count(select(func.count()).select_from(Organisation)) >= 25
    assert db.session.scalar(select(Organisation).where(Organisation.slug == "department-for-transport"))
    statuses = dict(db.session.execute(select(Dataset.status, func.count()).group_by(Dataset.status)).all())
    assert statuses["published"] >= 140
    assert statuses["draft"] >= 1 and statuses["withdrawn"] >= 1
    assert _count(select(func.count()).select_from(Dataset).where(Dataset.type == "data_service")) >= 5
    published_themes = set(
        db.session.scalars(select(DatasetTheme.theme).join(Dataset).where(Dataset.status == "published"))
    )
    assert published_themes == set(THEMES)
    assert _count(select(func.count(func.distinct(QualityRating.dataset_id)))) >= 20
    access = set(db.session.scalars(select(Dataset.access_rights).distinct()))
    assert {"OPEN", "INTERNAL"} <= access
    # Every entry went in through the services: each has its creation in its history.
    assert _count(select(func.count()).select_from(Revision).where(Revision.action == "create")) == _count(
        select(func.count()).select_from(Dataset)
    )


def test_seeding_twice_adds_nothing(runner):
    runner.invoke(args=["seed"])
    entries = _count(select(func.count()).select_from(Dataset))
    revisions = _count(select(func.count()).select_from(Revision))
    again = runner.invoke(args=["seed"])
    assert again.exit_code == 0, again.output
    assert "0 created" in again.output
    assert _count(select(func.count()).select_from(Dataset)) == entries
    assert _count(select(func.count()).select_from(Revision)) == revisions


def test_seed_if_empty_leaves_an_existing_catalogue_alone(runner):
    runner.invoke(args=["seed"])
    result = runner.invoke(args=["seed", "--if-empty"])
    assert "not seeding" in result.output


def test_seed_files_name_only_known_organisations():
    organisations = {o["slug"] for o in json.loads((SEED_DIR / "organisations.json").read_text())}
    for path in (SEED_DIR / "datasets").glob("*.json"):
        assert path.stem in organisations
        assert {entry["publisher"] for entry in json.loads(path.read_text())} == {path.stem}


def test_synthetic_entries_are_the_same_on_every_run():
    organisations = ["department-for-transport", "home-office"]
    assert synthetic_entry(42, organisations) == synthetic_entry(42, organisations)
    assert synthetic_entry(42, organisations) != synthetic_entry(43, organisations)


def test_seed_synthetic_adds_that_many_entries_after_those_already_there(runner):
    runner.invoke(args=["seed"])
    before = _count(select(func.count()).select_from(Dataset))
    first = runner.invoke(args=["seed", "--synthetic", "30"])
    assert first.exit_code == 0, first.output
    assert _count(select(func.count()).select_from(Dataset)) == before + 30
    second = runner.invoke(args=["seed", "--synthetic", "20"])
    assert second.exit_code == 0, second.output
    assert _count(select(func.count()).select_from(Dataset)) == before + 50
    assert _count(select(func.count()).select_from(Dataset).where(Dataset.title.like("% (series 49)")))


def test_seed_synthetic_refuses_a_bad_count(runner):
    for value in ("0", "-5", "many"):
        result = runner.invoke(args=["seed", "--synthetic", value])
        assert result.exit_code == 2


def test_seed_adds_the_embedded_providers_test_users_with_their_roles(runner):
    result = runner.invoke(args=["seed"])
    assert "Test users for the embedded sign-in provider" in result.output
    publisher = db.session.scalar(select(User).where(User.email == "publisher@dft.gov.uk"))
    dft = db.session.scalar(select(Organisation).where(Organisation.slug == "department-for-transport"))
    assert publisher.roles_in(dft.id) == {"member", "publisher"}
    assert db.session.scalar(select(User).where(User.is_site_admin)).email.endswith("cabinet-office.gov.uk")
    # Each seeded role grant is in the history, once, however often seed runs.
    grants = _count(select(func.count()).select_from(RoleChange))
    runner.invoke(args=["seed"])
    assert _count(select(func.count()).select_from(RoleChange)) == grants > 0


def test_seed_adds_no_users_when_a_real_provider_signs_people_in(database_url, tmp_path):
    # With a real provider a seeded role would go to whoever owns that address.
    app = make_app(database_url, tmp_path, MARKETPLACE_DEV_IDP=False)
    with app.app_context():
        try:
            result = app.test_cli_runner().invoke(args=["seed"])
            assert result.exit_code == 0, result.output
            assert "Test users" not in result.output
            assert _count(select(func.count()).select_from(User)) == 0
        finally:
            empty_all_tables()
            db.session.remove()
            db.engine.dispose()


def test_seed_users_belong_to_the_organisations_their_addresses_name():
    organisations = {o["slug"]: o for o in json.loads((SEED_DIR / "organisations.json").read_text())}
    for user in json.loads((SEED_DIR / "users.json").read_text()):
        domain = user["email"].rpartition("@")[2]
        assert domain in organisations[user["organisation"]]["email_domains"], user["email"]
