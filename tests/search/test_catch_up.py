"""A web process catches its index up with changes other processes committed before answering a
request, once its last catch-up is SEARCH_SYNC_INTERVAL old: in the request's own thread, never in
a thread of its own (search/worker.py says why)."""

from __future__ import annotations

import threading
import time

import pytest

from marketplace.search import worker
from tests.factories import create_dataset, create_organisation
from tests.helpers import api


def _found(client, q: str) -> list[str]:
    body = api(client, "GET", "/api/v1/datasets", status=200, query_string={"q": q}).get_json()
    assert body["facets"] is not None, "the index did not answer: listed from the database"
    return [item["title"] for item in body["items"]]


@pytest.fixture
def made_elsewhere(app, runner):
    """An index of one entry, then an entry committed as another host would: in the database and
    the outbox, not in this process's index."""
    organisation = create_organisation()
    create_dataset(organisation=organisation, title="Harbour statistics")
    assert runner.invoke(args=["search", "reindex"]).exit_code == 0
    app.config["SEARCH_INDEX_ON_COMMIT"] = False
    create_dataset(organisation=organisation, title="Harbour dredging statistics")
    app.config["SEARCH_INDEX_ON_COMMIT"] = True
    yield "Harbour dredging statistics"
    worker._due_at = 0.0


def test_a_request_catches_up_first_when_the_last_catch_up_is_an_interval_old(app, client, made_elsewhere):
    # An hour, so that "the next is an interval away" holds however long a busy machine takes
    # over the request (at half a second it could pass before the check).
    app.config["SEARCH_SYNC_INTERVAL"] = 3600.0
    worker._due_at = 0.0
    threads = threading.active_count()

    assert made_elsewhere in _found(client, "dredging")
    assert worker._due_at > time.monotonic() + 3000  # the next one is an interval away
    assert threading.active_count() == threads  # in the request's thread: none was started


def test_a_request_within_the_interval_answers_from_the_index_as_it_is(app, client, made_elsewhere):
    app.config["SEARCH_SYNC_INTERVAL"] = 0.5
    worker._due_at = time.monotonic() + 3600

    assert _found(client, "dredging") == []

    worker._due_at = 0.0
    assert made_elsewhere in _found(client, "dredging")


def test_an_interval_of_zero_never_catches_up_before_a_request(app, client, made_elsewhere):
    app.config["SEARCH_SYNC_INTERVAL"] = 0.0
    worker._due_at = 0.0

    assert _found(client, "dredging") == []


def test_a_thread_finding_another_catching_up_answers_without_waiting(app, client, made_elsewhere):
    app.config["SEARCH_SYNC_INTERVAL"] = 0.5
    worker._due_at = 0.0
    with worker._catching_up:  # another thread of this process is catching up
        assert _found(client, "dredging") == []
    assert made_elsewhere in _found(client, "dredging")
