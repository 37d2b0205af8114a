"""The search commands, run as an operator would: reindex, sync and status."""

from __future__ import annotations

import re
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from marketplace.extensions import db
from marketplace.models import OutboxEntry
from marketplace.models.types import utcnow
from marketplace.services.datasets import delete_dataset
from tests.factories import ADMIN, create_dataset, create_organisation
from tests.search.searching import search, slugs


def run(runner, *args: str) -> str:
    result = runner.invoke(args=["search", *args])
    assert result.exit_code == 0, (result.output, result.exception)
    return result.output


def status_of(runner) -> dict[str, str]:
    lines = run(runner, "status").splitlines()
    return dict(line.split(": ", 1) for line in lines if ": " in line)


@pytest.fixture
def dft(app):
    return create_organisation()


@pytest.fixture
def not_indexed_on_commit(app):
    """Changes reach the outbox but not the index, as when a process dies after its commit."""
    app.config["SEARCH_INDEX_ON_COMMIT"] = False


def test_reindex_builds_the_index_and_prints_the_rate(client, runner, dft):
    for title in ("Road casualties", "Rail stations", "Bus fares"):
        create_dataset(organisation=dft, title=title)
    assert search(client)["facets"] is None
    output = run(runner, "reindex")
    assert re.search(r"Indexed 3 entries in \d+\.\ds \(\d+ entries/s\), up to change \d+\.", output), output
    body = search(client, "fares")
    assert slugs(body) == ["bus-fares"] and body["facets"]["organisation"][0]["count"] == 1


def test_reindex_switches_to_a_new_generation_and_removes_the_old(app, client, runner, dft):
    create_dataset(organisation=dft, title="Road casualties")
    root = Path(app.config["SEARCH_INDEX_DIR"])
    run(runner, "reindex")
    first = (root / "CURRENT").read_text().strip()
    run(runner, "reindex")
    second = (root / "CURRENT").read_text().strip()
    assert first != second
    assert sorted(p.name for p in root.glob("gen-*")) == [second]
    assert slugs(search(client, "casualties")) == ["road-casualties"]


def test_reindex_restores_a_deleted_index(app, client, runner, dft):
    create_dataset(organisation=dft, title="Road casualties")
    run(runner, "reindex")
    shutil.rmtree(app.config["SEARCH_INDEX_DIR"])
    fallback = search(client, "casualties")
    assert slugs(fallback) == ["road-casualties"] and fallback["facets"] is None
    assert status_of(runner)["index"].startswith("unavailable")
    run(runner, "reindex")
    assert search(client, "casualties")["facets"] is not None


def test_sync_applies_changes_that_did_not_reach_the_index(client, runner, dft, not_indexed_on_commit):
    create_dataset(organisation=dft, title="Road casualties")
    create_dataset(organisation=dft, title="Rail stations")
    run(runner, "reindex")
    create_dataset(organisation=dft, title="Cycle counts")
    create_dataset(organisation=dft, title="Bus fares")
    delete_dataset(ADMIN, "rail-stations")
    assert search(client, "cycle")["total"] == 0
    assert status_of(runner)["pending changes"].startswith("3 ")
    output = run(runner, "sync")
    assert re.search(r"Applied \d+ changes; the index is at change \d+\.", output), output
    assert slugs(search(client, "cycle")) == ["cycle-counts"]
    assert slugs(search(client, "rail")) == []
    status = status_of(runner)
    assert status["pending changes"] == "0 (oldest -)" and status["entries indexed"] == "3"


def test_sync_says_how_many_pending_changes_it_applied(runner, dft, not_indexed_on_commit):
    create_dataset(organisation=dft, title="Road casualties")
    run(runner, "reindex")
    create_dataset(organisation=dft, title="Rail stations")
    create_dataset(organisation=dft, title="Bus fares")
    assert status_of(runner)["pending changes"].startswith("2 ")
    assert "Applied 2 changes" in run(runner, "sync")


def test_sync_builds_the_index_when_there_is_none(client, runner, dft):
    for title in ("Road casualties", "Rail stations"):
        create_dataset(organisation=dft, title=title)
    assert status_of(runner)["index"].startswith("unavailable")
    output = run(runner, "sync")
    assert re.search(r"Indexed 2 entries in .*entries/s", output), output
    status = status_of(runner)
    assert status["index"] == "available (ok)" and status["entries indexed"] == "2"
    assert search(client, "rail")["facets"] is not None


def test_status_shows_the_size_pending_changes_and_the_age_of_the_oldest(runner, dft, not_indexed_on_commit):
    create_dataset(organisation=dft, title="Road casualties")
    create_dataset(organisation=dft, title="Rail stations")
    run(runner, "reindex")
    status = status_of(runner)
    assert status["index"] == "available (ok)"
    assert status["entries indexed"] == "2"
    assert status["pending changes"] == "0 (oldest -)"
    applied = int(status["applied up to change"])

    create_dataset(organisation=dft, title="Bus fares")
    create_dataset(organisation=dft, title="Cycle counts")
    status = status_of(runner)
    assert status["entries indexed"] == "2" and int(status["applied up to change"]) == applied
    pending, oldest = re.fullmatch(r"(\d+) \(oldest (\d+\.\d)s\)", status["pending changes"]).groups()
    assert int(pending) == 2 and 0 <= float(oldest) < 60

    db.session.execute(
        update(OutboxEntry).where(OutboxEntry.id > applied).values(created_at=utcnow() - timedelta(hours=1))
    )
    db.session.commit()
    lag = float(re.search(r"oldest (\d+\.\d)s", status_of(runner)["pending changes"]).group(1))
    assert 3600 <= lag < 3660


def test_status_without_an_index_counts_every_change_as_pending(runner, dft):
    create_dataset(organisation=dft, title="Road casualties")
    status = status_of(runner)
    assert status["index"].startswith("unavailable") and "search reindex" in status["index"]
    assert status["entries indexed"] == "0"
    assert status["pending changes"].startswith("1 ")


def test_alternative_titles_and_the_identifier_are_found_with_the_index_and_without(app, client, runner, dft):
    create_dataset(
        organisation=dft,
        title="Reported road casualties",
        alternative_titles=["Road accidents and safety data"],
        identifier="DFT-RAS-0001",
    )
    create_dataset(organisation=dft, title="Rail stations")
    run(runner, "reindex")
    # Words only: the thesaurus would also find "Rail stations", whose made-up summary and
    # description speak of road collisions and STATS19.
    for query in ("road accidents", "RAS", "DFT-RAS-0001"):
        assert slugs(search(client, query, expand="false")) == ["reported-road-casualties"], query
    shutil.rmtree(app.config["SEARCH_INDEX_DIR"])
    for query in ("accidents", "DFT-RAS"):
        found = search(client, query)
        assert found["facets"] is None and slugs(found) == ["reported-road-casualties"], query
