"""Three app hosts on one PostgreSQL, each a gunicorn process group with its own Whoosh index on
its own loopback port: what is changed through one is found through the others, a host started
with no index serves entries from the database while it builds one, and a host stopped while
others change entries catches up after restart with nothing missed or doubled."""

from __future__ import annotations

import statistics
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
import requests

from tests.consistency.processes import (
    Server,
    explain,
    flask_command,
    gunicorn,
    process_env,
    start_flask_command,
    wait_for,
)
from tests.factories import valid_entry

CHANGES = 21  # 7 entries, each published, edited and withdrawn
LAG_P95_S = 2.0  # the requirement
SEEN_WITHIN_S = 30.0  # generous: a busy machine must not fail the test, the p95 decides


@pytest.fixture(autouse=True)
def _postgresql_only(database_kind: str) -> None:
    if database_kind != "postgresql":
        pytest.skip("several hosts share one PostgreSQL database; SQLite is one host's file")


def host_env(database_url: str, root: Path, name: str) -> dict[str, str]:
    return process_env(database_url, root / f"index-{name}", production=True)


@contextmanager
def host(database_url: str, root: Path, name: str, *, build_first: bool = True) -> Iterator[Server]:
    """A host started as the Dockerfile does: `search sync` (in the foreground when `build_first`,
    else beside gunicorn, as the image runs it), then gunicorn with two workers."""
    env = host_env(database_url, root, name)
    with ExitStack() as stack:
        if build_first:
            built = flask_command(env, "search", "sync")
            assert built.returncode == 0, explain(built)
        else:
            stack.enter_context(start_flask_command(env, root / f"sync-{name}.log", "search", "sync"))
        yield stack.enter_context(gunicorn(env, root / f"gunicorn-{name}.log", workers=2))


def found(base: str, word: str) -> list[str] | None:
    """The ids the host's index lists for `word`; None while the search comes from the database."""
    response = requests.get(f"{base}/api/v1/datasets", params={"q": word, "per_page": 100}, timeout=30)
    assert response.status_code == 200, response.text
    body = response.json()
    if body["facets"] is None:
        return None
    return [item["id"] for item in body["items"]]


def seen_after(servers: list[Server], word: str, expected: list[str], since: float) -> list[float]:
    """Seconds from `since` until each server's search for `word` lists exactly `expected`."""
    lags = []
    for server in servers:
        ok = wait_for(
            lambda server=server: found(server.url, word) == expected, within=SEEN_WITHIN_S, interval=0.05
        )
        assert ok is not None and found(server.url, word) == expected, (
            f"{server.url} lists {found(server.url, word)} for {word!r}, expected {expected}\n{server.log()}"
        )
        lags.append(time.monotonic() - since)
    return lags


def test_changes_through_one_host_are_found_through_the_others_within_two_seconds_at_p95(
    publisher, database_url, tmp_path
):
    with (
        host(database_url, tmp_path, "a") as a,
        host(database_url, tmp_path, "b") as b,
        host(database_url, tmp_path, "c") as c,
        requests.Session() as http,
    ):
        http.headers["Authorization"] = f"Bearer {publisher.token}"
        lags: list[float] = []
        for _ in range(CHANGES // 3):
            word = f"h{uuid.uuid4().hex[:12]}"
            body = valid_entry(publisher=publisher.slug, status="published", keywords=[word])
            created = http.post(f"{a.url}/api/v1/datasets", json=body, timeout=30)
            assert created.status_code == 201, created.text
            entry_id = created.json()["id"]
            lags += seen_after([b, c], word, [entry_id], time.monotonic())

            edited_word = f"e{uuid.uuid4().hex[:12]}"
            edit = http.patch(
                f"{a.url}/api/v1/datasets/{entry_id}", json={"keywords": [edited_word]}, timeout=30
            )
            assert edit.status_code == 200, edit.text
            lags += seen_after([b, c], edited_word, [entry_id], time.monotonic())

            gone = http.patch(f"{a.url}/api/v1/datasets/{entry_id}", json={"status": "withdrawn"}, timeout=30)
            assert gone.status_code == 200, gone.text
            lags += seen_after([b, c], edited_word, [], time.monotonic())
    p95 = statistics.quantiles(lags, n=20)[-1]
    assert p95 <= LAG_P95_S, (
        f"replication lag p50 {statistics.median(lags):.2f}s p95 {p95:.2f}s max {max(lags):.2f}s"
    )


def test_a_host_started_with_no_index_serves_entries_while_it_builds_and_catches_up(
    publisher, database_url, tmp_path
):
    with host(database_url, tmp_path, "a") as a, requests.Session() as http:
        http.headers["Authorization"] = f"Bearer {publisher.token}"
        word = f"n{uuid.uuid4().hex[:12]}"
        body = valid_entry(publisher=publisher.slug, status="published", keywords=[word])
        created = http.post(f"{a.url}/api/v1/datasets", json=body, timeout=30)
        assert created.status_code == 201, created.text
        entry_id = created.json()["id"]

        with host(database_url, tmp_path, "fresh", build_first=False) as fresh:
            entry = requests.get(f"{fresh.url}/api/v1/datasets/{entry_id}", timeout=30)
            assert entry.status_code == 200, entry.text
            assert wait_for(lambda: found(fresh.url, word) == [entry_id], within=SEEN_WITHIN_S), (
                f"the new host never found {entry_id}\n{fresh.log()}"
            )


def test_a_host_stopped_while_others_change_entries_catches_up_with_nothing_missed_or_doubled(
    publisher, database_url, tmp_path
):
    with host(database_url, tmp_path, "a") as a, requests.Session() as http:
        http.headers["Authorization"] = f"Bearer {publisher.token}"
        with host(database_url, tmp_path, "b"):
            pass  # B had an index, and stopped (SIGTERM) before the changes below
        kept: dict[str, str] = {}
        withdrawn: dict[str, str] = {}
        for number in range(6):
            word = f"s{uuid.uuid4().hex[:12]}"
            body = valid_entry(publisher=publisher.slug, status="published", keywords=[word])
            created = http.post(f"{a.url}/api/v1/datasets", json=body, timeout=30)
            assert created.status_code == 201, created.text
            entry_id = created.json()["id"]
            edit = http.patch(
                f"{a.url}/api/v1/datasets/{entry_id}", json={"title": f"Edited {word}"}, timeout=30
            )
            assert edit.status_code == 200, edit.text
            if number % 3 == 2:
                gone = http.patch(
                    f"{a.url}/api/v1/datasets/{entry_id}", json={"status": "withdrawn"}, timeout=30
                )
                assert gone.status_code == 200, gone.text
                withdrawn[word] = entry_id
            else:
                kept[word] = entry_id

        with host(database_url, tmp_path, "b") as b:
            for word, entry_id in kept.items():
                assert wait_for(
                    lambda word=word, entry_id=entry_id: found(b.url, word) == [entry_id],
                    within=SEEN_WITHIN_S,
                ), f"restarted host lists {found(b.url, word)} for {word!r}, expected [{entry_id}]"
            for word in withdrawn:
                assert found(b.url, word) == [], f"restarted host still lists withdrawn {word!r}"
