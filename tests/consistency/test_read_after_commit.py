"""Readers in other processes see a commit within a second: a publish committed here is found
by every gunicorn worker, each holding a searcher it opened before the commit."""

from __future__ import annotations

import time

import requests

from tests.consistency.processes import explain, flask_command, gunicorn, wait_for
from tests.factories import create_dataset

SEARCHABLE_WITHIN_S = 1.0
WORKERS = 2
PUBLISHES = 5
ASKS = 8  # requests after the first hit, so that every worker is asked


def test_other_processes_find_a_publish_within_a_second_of_its_commit(
    publisher, cli_env, server_env, tmp_path
):
    create_dataset(organisation=publisher.organisation, title="Road safety statistics")
    built = flask_command(cli_env, "search", "reindex")
    assert built.returncode == 0, explain(built)

    with (
        gunicorn(server_env, tmp_path / "gunicorn.log", workers=WORKERS) as server,
        requests.Session() as http,
    ):

        def titles(q: str) -> list[str]:
            response = http.get(f"{server.url}/api/v1/datasets", params={"q": q}, timeout=10)
            assert response.status_code == 200, f"{response.text}\n{server.log()}"
            body = response.json()
            assert body["facets"] is not None, f"the index did not answer\n{server.log()}"
            return [item["title"] for item in body["items"]]

        for _ in range(ASKS):  # every worker opens its searcher before the commits
            assert titles("road") == ["Road safety statistics"]

        delays = []
        for number in range(PUBLISHES):
            title = f"Fishing fleet landings puffin{number}"
            started = time.monotonic()
            create_dataset(organisation=publisher.organisation, title=title)
            assert wait_for(
                lambda t=title, n=number: titles(f"puffin{n}") == [t], within=SEARCHABLE_WITHIN_S
            ), f"{title!r} was not found within {SEARCHABLE_WITHIN_S}s of its commit\n{server.log()}"
            delays.append(time.monotonic() - started)
            for _ in range(ASKS):
                assert titles(f"puffin{number}") == [title], "another worker does not see the commit yet"
        # Each listed once: a worker's refreshed searcher must not count replaced documents.
        assert sorted(titles("fishing")) == [f"Fishing fleet landings puffin{n}" for n in range(PUBLISHES)]
