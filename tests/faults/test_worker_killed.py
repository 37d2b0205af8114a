"""gunicorn workers killed (SIGKILL: no clean-up of any kind) while clients publish through two
hosts on one PostgreSQL: a publish whose connection broke may have failed, but every publish a
client was told succeeded (201) is in the database, and once the hosts have caught up each host's
search lists every published entry exactly once, including those committed by a worker that died
before it could answer or index them.

The workers are gunicorn.conf.py's (gthread), which gunicorn reads from the working directory: a
worker accepts connections ahead of its one thread, so killing it breaks every one it holds.
"""

from __future__ import annotations

import os
import signal
import threading
import uuid
from collections import Counter
from dataclasses import dataclass, field

import pytest
import requests
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.models import Dataset
from tests.consistency.processes import Server, wait_for
from tests.factories import create_organisation, create_token, create_user, valid_entry
from tests.faults.served import children_of, host, search_ids

WORKERS = 2  # per host
CLIENTS = 6  # more than the workers of both hosts, so that a killed worker is most likely mid-request
KILLS = 4  # alternately on each host, so at least twice on each
PUBLISHES_BETWEEN_KILLS = 5  # acknowledged by a host after its worker was replaced, before the next kill
# Generous bounds for a loaded machine; the test waits for what it needs, never this long unless broken.
REPLACED_WITHIN_S = 60
CAUGHT_UP_WITHIN_S = 120
CLIENT_TIMEOUT_S = 30


@pytest.fixture(autouse=True)
def _postgresql_only(database_kind: str) -> None:
    if database_kind != "postgresql":
        pytest.skip("two hosts share one PostgreSQL database; SQLite is one host's file")


@dataclass
class Publishes:
    """What the clients were told, per host."""

    acknowledged: dict[str, list[str]] = field(default_factory=dict)  # host url: ids answered with 201
    broken: int = 0  # the connection broke: no answer
    refused: list[str] = field(default_factory=list)  # an answer other than 201
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, url: str) -> int:
        with self.lock:
            return len(self.acknowledged.get(url, []))

    def all_acknowledged(self) -> list[str]:
        with self.lock:
            return [entry_id for ids in self.acknowledged.values() for entry_id in ids]


@dataclass(frozen=True)
class Publisher:
    token: str
    slug: str
    word: str  # a keyword on every entry, to search for them all


def publish_until(
    stop: threading.Event, client: int, servers: list[Server], publisher: Publisher, out: Publishes
) -> None:
    """Publish entries through each host in turn until `stop`, recording every outcome."""
    with requests.Session() as http:
        http.headers["Authorization"] = f"Bearer {publisher.token}"
        number = 0
        while not stop.is_set():
            server = servers[(client + number) % len(servers)]
            number += 1
            body = valid_entry(
                publisher=publisher.slug,
                status="published",
                title=f"Killed worker client {client} entry {number} {uuid.uuid4().hex[:8]}",
                keywords=[publisher.word],
            )
            try:
                response = http.post(f"{server.url}/api/v1/datasets", json=body, timeout=CLIENT_TIMEOUT_S)
            except requests.ConnectionError:
                with out.lock:
                    out.broken += 1
                continue
            with out.lock:
                if response.status_code == 201:
                    out.acknowledged.setdefault(server.url, []).append(response.json()["id"])
                else:
                    out.refused.append(f"{server.url}: {response.status_code} {response.text[:500]}")


def workers_of(master: int) -> set[int]:
    """The master's worker processes once there are WORKERS of them (none while one is missing)."""
    workers = children_of(master)
    return workers if len(workers) == WORKERS else set()


def kill_a_worker_and_wait_for_its_replacement(server: Server, publishes: Publishes) -> None:
    master = server.started.process.pid
    workers = wait_for(lambda: workers_of(master), within=REPLACED_WITHIN_S)
    assert workers, f"{server.url} has workers {children_of(master)}\n{server.log()}"
    victim = min(workers)
    acknowledged = publishes.count(server.url)
    os.kill(victim, signal.SIGKILL)

    def replaced() -> bool:
        workers = workers_of(master)
        return bool(workers) and victim not in workers

    assert wait_for(replaced, within=REPLACED_WITHIN_S, interval=0.1), (
        f"worker {victim} of {server.url} was not replaced: workers {children_of(master)}\n{server.log()}"
    )
    assert wait_for(
        lambda: publishes.count(server.url) >= acknowledged + PUBLISHES_BETWEEN_KILLS,
        within=REPLACED_WITHIN_S,
        interval=0.1,
    ), f"{server.url} acknowledged no more publishes after losing a worker\n{server.log()}"


def listed(server: Server, word: str) -> Counter[str]:
    """How many times the host's search lists each id (nothing while it has no index)."""
    return Counter(search_ids(server.url, word) or [])


def differences(server: Server, word: str, committed: list[str]) -> str:
    found = listed(server, word)
    return (
        f"{server.url} search, for {len(committed)} committed entries: "
        f"missing {sorted(set(committed) - set(found))}, "
        f"not committed {sorted(set(found) - set(committed))}, "
        f"listed more than once {sorted(i for i, n in found.items() if n > 1)}\n{server.log()}"
    )


def published_in_database() -> list[str]:
    db.session.remove()  # a fresh transaction: what the servers committed by now
    ids = db.session.scalars(sa.select(Dataset.id).where(Dataset.status == "published")).all()
    db.session.remove()
    return [str(entry_id) for entry_id in ids]


def test_workers_killed_mid_publish_lose_no_acknowledged_entry_and_search_lists_each_once_on_every_host(
    app, database_url, tmp_path
):
    organisation = create_organisation()
    user = create_user(email="pat@dft.gov.uk", organisation=organisation, roles=("publisher",))
    publisher = Publisher(create_token(user=user), organisation.slug, f"k{uuid.uuid4().hex[:12]}")
    publishes = Publishes()
    stop = threading.Event()

    with (
        host(database_url, tmp_path, "a", workers=WORKERS) as a,
        host(database_url, tmp_path, "b", workers=WORKERS) as b,
    ):
        servers = [a, b]
        clients = [
            threading.Thread(target=publish_until, args=(stop, n, servers, publisher, publishes))
            for n in range(CLIENTS)
        ]
        for client in clients:
            client.start()
        try:
            for kill in range(KILLS):
                kill_a_worker_and_wait_for_its_replacement(servers[kill % len(servers)], publishes)
        finally:
            stop.set()
            for client in clients:
                client.join(timeout=CLIENT_TIMEOUT_S * 2)
        assert not any(client.is_alive() for client in clients), "a client still waits for an answer"

        assert not publishes.refused, "\n".join(publishes.refused[:10])
        acknowledged = publishes.all_acknowledged()
        with requests.Session() as http:
            http.headers["Authorization"] = f"Bearer {publisher.token}"
            for entry_id in acknowledged:
                for server in servers:
                    entry = http.get(f"{server.url}/api/v1/datasets/{entry_id}", timeout=CLIENT_TIMEOUT_S)
                    assert entry.status_code == 200, f"acknowledged {entry_id} lost: {entry.status_code}"

        assert set(acknowledged) <= set(published_in_database())
        # Publishes that broke may have been committed before the worker died: they too must be found.
        for server in servers:
            assert wait_for(
                lambda server=server: listed(server, publisher.word) == Counter(published_in_database()),
                within=CAUGHT_UP_WITHIN_S,
                interval=0.5,
            ), differences(server, publisher.word, published_in_database())
