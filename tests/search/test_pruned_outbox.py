"""A host whose index is below the outbox's prune horizon has been away longer than the retention
window: rows it never applied may be gone. Catching it up would miss them silently, so a web
process reports it (index_status, /readyz) and leaves it alone, and `search sync` rebuilds it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from marketplace.extensions import db
from marketplace.models import OutboxEntry
from marketplace.models.types import utcnow
from marketplace.search import index_root, index_status, store, sync_index
from marketplace.search.indexing import outbox_horizon
from marketplace.services.datasets import delete_dataset, patch_dataset
from tests.factories import ADMIN, create_dataset, create_organisation
from tests.helpers import api


def _found(client, q: str) -> list[str]:
    body = api(client, "GET", "/api/v1/datasets", status=200, query_string={"q": q}).get_json()
    assert body["facets"] is not None, "the index did not answer: listed from the database"
    return [item["title"] for item in body["items"]]


def _prune_every_outbox_row(runner) -> int:
    """Every outbox row is older than the retention window, and pruned but the newest (kept so that
    SQLite never hands its id out again); returns the horizon reached."""
    db.session.execute(update(OutboxEntry).values(created_at=utcnow() - timedelta(days=8)))
    db.session.commit()
    result = runner.invoke(args=["prune", "--only", "outbox"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(func.count()).select_from(OutboxEntry)) == 1
    return outbox_horizon()


def _by_search_sync(runner, root: Path) -> None:
    result = runner.invoke(args=["search", "sync"])
    assert result.exit_code == 0, result.output
    assert "Indexed" in result.output, result.output


def _by_sync_with_build_if_missing(runner, root: Path) -> None:
    sync_index(root, build_if_missing=True)


@pytest.mark.parametrize(
    "rebuild",
    [
        pytest.param(_by_search_sync, id="search-sync"),
        pytest.param(_by_sync_with_build_if_missing, id="cli-sync"),
    ],
)
def test_a_host_behind_the_prune_horizon_is_reported_then_rebuilt_with_nothing_missed(
    rebuild: Callable[[object, Path], None], app, client, runner, caplog
):
    organisation = create_organisation()
    create_dataset(organisation=organisation, title="Harbour statistics")
    edited = create_dataset(organisation=organisation, title="Bus patronage statistics")
    deleted = create_dataset(organisation=organisation, title="Ferry routes")
    assert runner.invoke(args=["search", "reindex"]).exit_code == 0
    root = index_root()
    generation = store.current_generation(root)
    position = index_status(root).position

    # The host is away: changes are made elsewhere and it applies none of them.
    app.config["SEARCH_INDEX_ON_COMMIT"] = False
    create_dataset(organisation=organisation, title="Cycle counts")
    patch_dataset(ADMIN, edited.slug, {"title": "Tram patronage statistics"})
    delete_dataset(ADMIN, deleted.slug)
    app.config["SEARCH_INDEX_ON_COMMIT"] = True
    horizon = _prune_every_outbox_row(runner)
    assert horizon > position

    # A web process: reports it once, applies nothing, starts no rebuild.
    with caplog.at_level(logging.ERROR, logger="marketplace.search.indexing"):
        for _ in range(3):  # as the background sync does, every few seconds
            result = sync_index(root)
            assert (result.applied, result.position, result.behind_horizon) == (0, position, horizon)
    reports = [record for record in caplog.records if "pruned" in record.getMessage()]
    assert len(reports) == 1, caplog.records
    assert store.current_generation(root) == generation
    status = index_status(root)
    assert not status.available and f"changes up to {horizon} were pruned" in status.detail
    readiness = api(client, "GET", "/readyz", status=200).get_json()
    assert readiness["status"] == "degraded"
    assert "were pruned" in readiness["checks"]["search"]

    rebuild(runner, root)

    assert store.current_generation(root) != generation, "rebuilt into a new generation"
    status = index_status(root)
    assert status.available and status.position >= horizon, status
    assert _found(client, "cycle") == ["Cycle counts"]
    assert _found(client, "tram") == ["Tram patronage statistics"]
    assert _found(client, "bus") == []
    assert _found(client, "ferry") == []
    assert _found(client, "harbour") == ["Harbour statistics"]
    readiness = api(client, "GET", "/readyz", status=200).get_json()
    assert readiness["status"] == "ok"


def test_a_host_that_kept_up_is_not_behind_after_a_prune(app, client, runner):
    organisation = create_organisation()
    create_dataset(organisation=organisation, title="Harbour statistics")
    assert runner.invoke(args=["search", "reindex"]).exit_code == 0
    generation = store.current_generation(index_root())
    horizon = _prune_every_outbox_row(runner)

    assert index_status(index_root()).available
    assert sync_index(index_root()).behind_horizon is None
    assert index_status(index_root()).position > horizon
    create_dataset(organisation=organisation, title="Cycle counts")  # indexed after its commit
    assert _found(client, "cycle") == ["Cycle counts"]
    assert store.current_generation(index_root()) == generation, "caught up, not rebuilt"


def test_an_index_built_after_a_quiet_week_is_not_behind(app, client, runner):
    """A quiet week prunes every row but the newest: a fresh index starts above the horizon."""
    organisation = create_organisation()
    create_dataset(organisation=organisation, title="Harbour statistics")
    horizon = _prune_every_outbox_row(runner)

    assert runner.invoke(args=["search", "reindex"]).exit_code == 0

    status = index_status(index_root())
    assert status.available and status.position > horizon and status.pending == 0
    assert sync_index(index_root()).behind_horizon is None
    assert _found(client, "harbour") == ["Harbour statistics"]
