"""Storing computed metadata quality: an entry's score, fixes and freshness are recomputed whenever it
changes through the API, stored link checks count, recompute_all takes in new ones and tells the
index, and the seed scores every entry."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.models import Dataset, OutboxEntry
from marketplace.models.types import utcnow
from marketplace.rules.quality import BANDS, DIMENSIONS, band_for
from marketplace.seeding.load import load_seed
from marketplace.services.metadata_quality import recompute_all
from tests.factories import create_organisation, valid_entry
from tests.helpers import api
from tests.rules.quality_entries import checked

DATASETS = "/api/v1/datasets"


@pytest.fixture
def publisher_token(app) -> str:
    from tests.factories import create_token, create_user

    organisation = create_organisation()
    user = create_user(email="ann@dft.gov.uk", organisation=organisation, roles=("publisher",))
    return create_token(user=user)


def test_creating_an_entry_returns_its_score_fixes_and_freshness_at_once(client, publisher_token) -> None:
    today = utcnow().date()
    body = valid_entry(modified=(today - timedelta(days=3)).isoformat(), update_frequency="monthly")

    created = api(client, "POST", DATASETS, status=201, token=publisher_token, json=body).get_json()

    quality = created["quality"]
    assert set(quality) == {"declared", "metadata_score", "metadata_band", "metadata_dimensions", "fixes"}
    assert quality["declared"] == {}
    assert quality["metadata_band"] == band_for(quality["metadata_score"])
    assert sum(quality["metadata_dimensions"].values()) == quality["metadata_score"]
    assert list(quality["metadata_dimensions"]) == list(DIMENSIONS)
    assert any("has not been checked yet" in fix for fix in quality["fixes"])
    assert created["freshness"] == "fresh"
    stored = db.session.get(Dataset, uuid.UUID(created["id"]))
    assert stored.metadata_score == quality["metadata_score"]
    assert stored.fresh_until == today - timedelta(days=3) + timedelta(days=31)


def test_patch_and_put_recompute_the_score_and_freshness(client, publisher_token) -> None:
    created = api(client, "POST", DATASETS, status=201, token=publisher_token, json=valid_entry()).get_json()
    path = f"{DATASETS}/{created['id']}"
    before = created["quality"]["metadata_score"]

    patched = api(client, "PATCH", path, status=200, token=publisher_token, json={"keywords": []}).get_json()

    assert patched["quality"]["metadata_score"] == before - 30
    assert "Add at least one keyword" in patched["quality"]["fixes"]

    body = valid_entry(title=created["title"], update_frequency="irregular")
    replaced = api(client, "PUT", path, status=200, token=publisher_token, json=body).get_json()

    assert replaced["quality"]["metadata_score"] == before
    assert replaced["freshness"] == "unknown"
    fetched = api(client, "GET", path, status=200, token=publisher_token).get_json()
    assert fetched["quality"] == replaced["quality"]
    assert fetched["freshness"] == "unknown"
    assert (
        api(client, "GET", f"{path}/quality", status=200, token=publisher_token).get_json()
        == fetched["quality"]
    )


def test_an_entry_long_unmodified_is_overdue_in_the_api(client, publisher_token) -> None:
    body = valid_entry(modified="2020-01-01", update_frequency="monthly")

    created = api(client, "POST", DATASETS, status=201, token=publisher_token, json=body).get_json()

    assert created["freshness"] == "overdue"


def test_stored_link_checks_count_when_an_entry_is_saved(client, publisher_token) -> None:
    url = valid_entry()["distributions"][0]["download_url"]
    db.session.add(checked(url))
    db.session.commit()

    created = api(client, "POST", DATASETS, status=201, token=publisher_token, json=valid_entry()).get_json()

    assert not any("checked" in fix for fix in created["quality"]["fixes"])
    stored = db.session.get(Dataset, uuid.UUID(created["id"]))
    assert {i["indicator"]: i["points"] for i in stored.metadata_indicators}["download_url_reachable"] == 30


def test_recompute_all_takes_in_new_link_checks_and_tells_the_index(client, publisher_token) -> None:
    created = api(client, "POST", DATASETS, status=201, token=publisher_token, json=valid_entry()).get_json()
    url = valid_entry()["distributions"][0]["download_url"]
    db.session.add(checked(url, ok=False, status_code=404))
    db.session.commit()
    outbox_before = db.session.scalar(select(func.count()).select_from(OutboxEntry))

    assert recompute_all() == 1

    fetched = api(client, "GET", f"{DATASETS}/{created['id']}", status=200, token=publisher_token).get_json()
    assert any("answered 404" in fix for fix in fetched["quality"]["fixes"])
    assert db.session.scalar(select(func.count()).select_from(OutboxEntry)) == outbox_before + 1
    # Nothing changed since: no more outbox rows.
    recompute_all()
    assert db.session.scalar(select(func.count()).select_from(OutboxEntry)) == outbox_before + 1


def test_seed_gives_every_entry_a_score_and_a_band(app) -> None:
    load_seed()

    bands = dict(
        db.session.execute(select(Dataset.metadata_band, func.count()).group_by(Dataset.metadata_band)).all()
    )
    assert None not in bands
    assert set(bands) <= set(BANDS)
    assert db.session.scalar(select(func.count()).where(Dataset.metadata_score.is_(None))) == 0
    assert db.session.scalar(select(func.count()).where(Dataset.metadata_indicators.is_(None))) == 0


def test_seed_if_empty_scores_entries_stored_before_scores_existed(runner, app) -> None:
    load_seed()
    db.session.execute(Dataset.__table__.update().values(metadata_score=None, metadata_band=None))
    db.session.commit()

    result = runner.invoke(args=["seed", "--if-empty"])

    assert result.exit_code == 0, result.output
    assert "Computed the metadata quality of" in result.output
    assert db.session.scalar(select(func.count()).where(Dataset.metadata_score.is_(None))) == 0
