"""Transactions commit in any order: an outbox row with a lower id can become visible after
the index has applied a higher one, by a sync or by a rebuild. The next sync must still apply it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.models import OutboxEntry
from marketplace.search import index_root, rebuild_index, sync_index
from marketplace.search.indexing import LATE_COMMIT_WINDOW
from marketplace.services.datasets import create_datasets
from tests.factories import ADMIN, create_dataset, valid_entry
from tests.helpers import api


def _found(client, q: str) -> list[str]:
    body = api(client, "GET", "/api/v1/datasets", status=200, query_string={"q": q}).get_json()
    assert body["facets"] is not None, "the index did not answer: listed from the database"
    return [item["title"] for item in body["items"]]


@pytest.mark.parametrize(
    "index_the_later_change",
    [
        pytest.param(sync_index, id="by-sync"),
        pytest.param(rebuild_index, id="by-rebuild"),
    ],
)
def test_a_change_committed_after_a_later_one_was_indexed_is_applied_by_the_next_sync(
    index_the_later_change: Callable[[Path], object], app: Flask, client, runner, publisher, database_kind
):
    if database_kind != "postgresql":
        pytest.skip("SQLite lets one transaction write at a time: ids always commit in order there")
    assert LATE_COMMIT_WINDOW.total_seconds() >= 10, "the test relies on the rows being recent"
    create_dataset(organisation=publisher.organisation, title="Road safety statistics")
    assert runner.invoke(args=["search", "reindex"]).exit_code == 0
    ids: dict[str, int] = {}

    def while_the_first_transaction_is_open(_dataset) -> None:
        db.session.flush()  # the first transaction takes its outbox id now, and stays open
        ids["first"] = db.session.scalar(select(func.max(OutboxEntry.id)))
        with app.app_context():  # a second session, as in another request
            create_dataset(organisation=publisher.organisation, title="Bus patronage statistics")
            ids["second"] = db.session.scalar(select(func.max(OutboxEntry.id)))
            assert index_the_later_change(index_root()).position == ids["second"]
            db.session.remove()

    # The first transaction: written first, committed last (then synced, as every commit is).
    create_datasets(
        ADMIN,
        [(None, valid_entry(publisher=publisher.slug, status="published", title="Rail passenger journeys"))],
        on_created=while_the_first_transaction_is_open,
    )
    assert ids["first"] < ids["second"], ids
    assert _found(client, "bus") == ["Bus patronage statistics"]

    sync_index(index_root())
    assert _found(client, "rail") == ["Rail passenger journeys"], "the late commit never reached the index"
