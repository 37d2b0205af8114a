"""Four server processes publishing and searching at once, with and without a rebuild of the
index under them: no request fails, searches keep coming from the index, and afterwards the
index agrees with the database within a second."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import requests

from marketplace.seeding.synthetic import add_synthetic
from tests.consistency.processes import (
    PATIENCE_S,
    Server,
    explain,
    flask_command,
    gunicorn,
    start_flask_command,
    wait_for,
)
from tests.factories import create_dataset, valid_entry

WORKERS = 4
CLIENTS = 4
RUN_SECONDS = 8.0
SEARCHABLE_WITHIN_S = 1.0
WITHDRAW_EVERY = 5  # every fifth publish, a client also withdraws one of its earlier entries


@dataclass
class Run:
    """What the clients were told: acknowledged publishes and withdrawals, and any failure."""

    word: str = field(default_factory=lambda: f"r{uuid.uuid4().hex[:12]}")  # in every entry
    published: dict[str, str] = field(default_factory=dict)  # unique word -> entry id
    withdrawn: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    searches: int = 0
    searches_without_index: int = 0
    last_write: float = 0.0
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def acknowledged(self, kind: dict[str, str], word: str, entry_id: str) -> None:
        with self.lock:
            kind[word] = entry_id
            self.last_write = max(self.last_write, time.monotonic())

    def failed(self, what: str, response: requests.Response) -> None:
        self.errors.append(f"{what} {response.status_code}: {response.text[:300]}")

    @property
    def listed(self) -> set[str]:
        """The entries a search must list: published, and not withdrawn since."""
        return set(self.published.values()) - set(self.withdrawn.values())


def _publish_and_search(base: str, token: str, organisation: str, run: Run) -> None:
    """One client: publish an entry with a word of its own, search for it, now and then withdraw
    an earlier one; until told to stop."""
    mine: list[tuple[str, str]] = []
    with requests.Session() as http:
        http.headers["Authorization"] = f"Bearer {token}"
        while not run.stop.is_set():
            word = f"w{uuid.uuid4().hex[:12]}"
            body = valid_entry(
                publisher=organisation,
                status="published",
                title=f"Concurrent publishing check {word}",
                keywords=[word, run.word],
            )
            try:
                created = http.post(f"{base}/api/v1/datasets", json=body, timeout=30)
                if created.status_code != 201:
                    run.failed("POST", created)
                    continue
                run.acknowledged(run.published, word, created.json()["id"])
                mine.append((word, created.json()["id"]))
                found = http.get(f"{base}/api/v1/datasets", params={"q": word}, timeout=30)
                if found.status_code != 200:
                    run.failed(f"GET q={word}", found)
                    continue
                with run.lock:
                    run.searches += 1
                    run.searches_without_index += found.json()["facets"] is None
                if len(mine) % WITHDRAW_EVERY == 0:
                    old_word, old_id = mine[-WITHDRAW_EVERY]
                    gone = http.patch(
                        f"{base}/api/v1/datasets/{old_id}", json={"status": "withdrawn"}, timeout=30
                    )
                    if gone.status_code != 200:
                        run.failed("PATCH withdraw", gone)
                        continue
                    run.acknowledged(run.withdrawn, old_word, old_id)
            except requests.RequestException as error:
                run.errors.append(f"{type(error).__name__}: {error}")


@contextmanager
def publishing(server: Server, token: str, organisation: str) -> Iterator[Run]:
    """`CLIENTS` clients publishing and searching until the block ends; then checks they all
    got answers, from the index."""
    run = Run()
    clients = [
        threading.Thread(target=_publish_and_search, args=(server.url, token, organisation, run))
        for _ in range(CLIENTS)
    ]
    for client in clients:
        client.start()
    try:
        yield run
    finally:
        run.stop.set()
        for client in clients:
            client.join(timeout=60)
    assert run.errors == [], f"{len(run.errors)} failed requests: {run.errors[:5]}\n{server.log()}"
    assert len(run.published) >= CLIENTS, f"only {len(run.published)} publishes"
    assert run.searches_without_index == 0, (
        f"{run.searches_without_index} of {run.searches} searches fell back to the database "
        f"(no facets): {server.started.lines_with('search unavailable')[:5]}"
    )


def _search_all(http: requests.Session, base: str, q: str) -> tuple[list[str], int, bool]:
    """The ids of every entry the search for `q` lists, page by page; its total; and whether
    every page came from the index (with facets)."""
    found: list[str] = []
    from_index = True
    page = 1
    while True:
        response = http.get(
            f"{base}/api/v1/datasets", params={"q": q, "per_page": 100, "page": page}, timeout=30
        )
        assert response.status_code == 200, response.text
        body = response.json()
        from_index &= body["facets"] is not None
        found += [item["id"] for item in body["items"]]
        if page * 100 >= body["total"]:
            return found, body["total"], from_index
        page += 1


def _ids_found(http: requests.Session, base: str, q: str) -> set[str]:
    """Every entry the index finds for `q`, each listed once and counted once."""
    found, total, from_index = _search_all(http, base, q)
    assert from_index, f"the index did not answer {q!r}: listed from the database"
    assert len(found) == len(set(found)) == total, (
        f"{q!r}: {total} counted, {len(found)} listed, {len(set(found))} distinct"
    )
    return set(found)


def _agrees(http: requests.Session, base: str, run: Run) -> bool:
    """The index lists exactly what the run left published, and counts exactly that."""
    found, total, from_index = _search_all(http, base, run.word)
    return from_index and len(found) == total and set(found) == run.listed


def _describe(http: requests.Session, base: str, run: Run) -> str:
    found, total, from_index = _search_all(http, base, run.word)
    listed = set(found)
    withdrawn = listed & set(run.withdrawn.values())
    return (
        f"the index {'answers' if from_index else 'does not answer'}, misses "
        f"{len(run.listed - listed)} acknowledged publishes, lists {len(withdrawn)} "
        f"withdrawn entries and counts {total} for {len(found)} listed "
        f"(of {len(run.published)} published, {len(run.withdrawn)} withdrawn)"
    )


def test_four_processes_publishing_and_searching_at_once_lose_no_publish(
    publisher, cli_env, server_env, tmp_path
):
    for _ in range(3):  # a catalogue with content when the index is first built
        create_dataset(organisation=publisher.organisation)
    built = flask_command(cli_env, "search", "reindex")
    assert built.returncode == 0, explain(built)

    with gunicorn(server_env, tmp_path / "gunicorn.log", workers=WORKERS) as server:
        with publishing(server, publisher.token, publisher.slug) as run:
            time.sleep(RUN_SECONDS)

        time.sleep(max(0.0, run.last_write + SEARCHABLE_WITHIN_S - time.monotonic()))
        with requests.Session() as http:
            http.headers["Authorization"] = f"Bearer {publisher.token}"
            assert _agrees(http, server.url, run), (
                f"{SEARCHABLE_WITHIN_S}s after the last write, "
                f"{_describe(http, server.url, run)}\n{server.log()}"
            )
            for word, entry_id in run.published.items():
                found = _ids_found(http, server.url, word)
                if word in run.withdrawn:
                    assert found == set(), f"withdrawn entry {entry_id} is still found by {word!r}"
                else:
                    assert found == {entry_id}, f"published entry {entry_id} is not found by {word!r}"


def test_a_reindex_while_four_processes_publish_keeps_search_answering_and_loses_no_publish(
    publisher, index_dir: Path, cli_env, server_env, tmp_path
):
    # Big enough that the rebuild takes a few seconds, with publishes landing during it.
    add_synthetic(1000, [publisher.slug])
    built = flask_command(cli_env, "search", "reindex")
    assert built.returncode == 0, explain(built)
    (previous,) = index_dir.glob("gen-*")

    with (
        gunicorn(server_env, tmp_path / "gunicorn.log", workers=WORKERS) as server,
        start_flask_command(cli_env, tmp_path / "reindex.log", "search", "reindex") as rebuild,
    ):
        with publishing(server, publisher.token, publisher.slug) as run:

            def committing() -> bool:
                return any(
                    f.suffix == ".col" for g in index_dir.glob("gen-*") if g != previous for f in g.iterdir()
                )

            # Publishing stops as the rebuild commits, before it switches: what was published
            # during the rebuild must reach the new generation without waiting for a later write.
            assert wait_for(lambda: committing() or rebuild.process.poll() is not None, within=PATIENCE_S)
        rebuild.process.wait(timeout=60)
        switched = time.monotonic()
        assert rebuild.process.returncode == 0, rebuild.log()
        assert not previous.exists(), "the rebuild did not switch to a new generation"

        with requests.Session() as http:
            http.headers["Authorization"] = f"Bearer {publisher.token}"
            caught_up = wait_for(lambda: _agrees(http, server.url, run), within=SEARCHABLE_WITHIN_S)
            assert caught_up, (
                f"{time.monotonic() - switched:.1f}s after the rebuild switched, "
                f"{_describe(http, server.url, run)}\n{server.log()}"
            )
