"""Several hosts on one PostgreSQL (issue 17): how long a change through one host takes to reach
search on the others, how long a new host takes to build its index, and how long a host stopped
while others wrote takes to catch up.

A fresh database `bench_hosts` gets the seed and BENCH_HOSTS_ENTRIES synthetic entries (2,000
unless set). Three hosts A, B and C are gunicorn process groups as production runs them (the
project's gunicorn.conf.py, two workers), each with its own index directory, on its own loopback
port. While one reader per host keeps searching (so the catch-up competes with requests, as it
would), BENCH_HOSTS_CHANGES changes (30: publishes, edits and withdrawals, one at a time) go
through A, and each is timed until the search of A, B and C shows it. A's own lag is the baseline:
A applies its change to its index right after the commit; B and C only learn of it from the
database outbox, so the ratio says what being another host costs.

Then a host D starts with no index, as the Dockerfile starts one (`search sync` in the background
beside gunicorn): how soon it serves entries, and how soon its search is complete. Then B is
stopped, BENCH_HOSTS_BACKLOG (200) entries are published through A, and B is started again: how
long until B's search lists all of them, each once.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
import psycopg

from bench import load_serve
from bench.load import PUBLISHER, create_token, env_int, pct, revoke_token
from bench.load_build import FLASK, ROOT, SERVER, database_url, ensure_catalogue
from bench.load_serve import Settings
from tests.production import production_environment

NAME = "bench_hosts"
SETTINGS = Settings("gthread", 2, 1)  # as shipped: WEB_CONCURRENCY=2, GUNICORN_THREADS=1
SEEN_WITHIN_S = 120.0


class Host:
    """One host: its index directory, its port, and its gunicorn while it runs."""

    def __init__(self, name: str, work: Path) -> None:
        self.name, self.work = name, work
        self.index_dir = work / f"index-{name}"
        self.port = load_serve.free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = production_environment(
            self.url,
            DATABASE_URL=database_url(NAME),
            SEARCH_INDEX_DIR=str(self.index_dir),
            RATELIMIT_ENABLED="false",  # one address sends everything here
        )
        self.process: subprocess.Popen | None = None

    def sync(self) -> subprocess.Popen:
        command = [*FLASK, "search", "sync"]
        log = (self.work / f"sync-{self.name}.log").open("ab")
        return subprocess.Popen(command, env={**os.environ, **self.env}, cwd=ROOT, stdout=log, stderr=log)

    def start(self) -> None:
        self.process = load_serve.start(
            "wsgi:app", self.port, SETTINGS, self.env, self.work / f"{self.name}.log"
        )
        load_serve.wait_ready(self.process, f"{self.url}/healthz")

    def stop(self) -> None:
        load_serve.stop(self.process)
        self.process = None


@contextmanager
def running(*hosts: Host, build_first: bool = True):
    with ExitStack() as stack:
        for host in hosts:
            if build_first and host.sync().wait(timeout=1800):
                raise RuntimeError(f"search sync failed on host {host.name} (see its log)")
            host.start()
            stack.callback(host.stop)
        yield hosts


def found(client: httpx.Client, host: Host, word: str) -> list[str] | None:
    """The ids host's index lists for `word`; None while its search comes from the database."""
    response = client.get(f"{host.url}/api/v1/datasets", params={"q": word, "per_page": 100})
    if response.status_code != 200:
        return None
    body = response.json()
    return None if body["facets"] is None else [item["id"] for item in body["items"]]


def wait_until(check: Callable[[], bool], within: float = SEEN_WITHIN_S) -> float | None:
    """Seconds until `check()` holds, asking every 20 ms; None if it never did within `within`."""
    started = time.monotonic()
    while time.monotonic() - started < within:
        if check():
            return time.monotonic() - started
        time.sleep(0.02)
    return None


def new_entry(word: str) -> dict:
    return {
        "title": f"Hosts benchmark entry {word}",
        "publisher": PUBLISHER[1],
        "status": "published",
        "summary": "Published by the several-hosts benchmark.",
        "description": "Written by bench/hosts.py to measure how changes reach the other hosts.",
        "access_rights": "OPEN",
        "licence": "http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
        "security_classification": "OFFICIAL",
        "modified": "2026-01-01",
        "keywords": ["benchmark", word],
        "contact_point": {"name": "Bench", "email": "bench@example.gov.uk"},
    }


class Readers:
    """One thread per host searching without pause, so that catching up competes with requests."""

    def __init__(self, hosts: tuple[Host, ...]) -> None:
        self.hosts, self.stopping, self.answered, self.failed = hosts, threading.Event(), 0, 0
        self.threads = [threading.Thread(target=self._read, args=(h,), daemon=True) for h in hosts]

    def _read(self, host: Host) -> None:
        words = ["transport", "health", "water", "schools", "crime", "housing", "energy"]
        with httpx.Client(timeout=30) as client:
            n = 0
            while not self.stopping.is_set():
                n += 1
                response = client.get(f"{host.url}/api/v1/datasets", params={"q": words[n % len(words)]})
                if response.status_code == 200:
                    self.answered += 1
                else:
                    self.failed += 1

    def __enter__(self) -> Readers:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=60)


def lags(client: httpx.Client, hosts: tuple[Host, ...], changes: int) -> dict[str, list[float]]:
    """Seconds from each change's acknowledgement through A until each host's search shows it."""
    a = hosts[0]
    seen: dict[str, list[float]] = {host.name: [] for host in hosts}

    def measure(word: str, expected: list[str]) -> None:
        # Every host is asked in turn, so that each one's time is its own, not the sum of those
        # asked before it.
        acknowledged, waiting = time.monotonic(), list(hosts)
        while waiting:
            if time.monotonic() - acknowledged > SEEN_WITHIN_S:
                raise RuntimeError(f"{[h.name for h in waiting]} never showed {word!r} as {expected}")
            for host in list(waiting):
                if found(client, host, word) == expected:
                    seen[host.name].append(time.monotonic() - acknowledged)
                    waiting.remove(host)
            time.sleep(0.02)

    done = 0
    while done < changes:
        word = f"h{uuid.uuid4().hex[:12]}"
        created = client.post(f"{a.url}/api/v1/datasets", json=new_entry(word))
        created.raise_for_status()
        entry_id = created.json()["id"]
        measure(word, [entry_id])
        edited = f"e{uuid.uuid4().hex[:12]}"
        edit = client.patch(f"{a.url}/api/v1/datasets/{entry_id}", json={"keywords": [edited]})
        edit.raise_for_status()
        measure(edited, [entry_id])
        gone = client.patch(f"{a.url}/api/v1/datasets/{entry_id}", json={"status": "withdrawn"})
        gone.raise_for_status()
        measure(edited, [])
        done += 3
    return seen


def new_host_figures(client: httpx.Client, d: Host, newest: tuple[str, str]) -> dict[str, float]:
    """Start D with no index as the image does; seconds until it serves, and until it finds `newest`."""
    word, entry_id = newest
    started = time.monotonic()
    sync = d.sync()
    try:
        d.start()
        serving = time.monotonic() - started
        entry = client.get(f"{d.url}/api/v1/datasets/{entry_id}")
        entry.raise_for_status()
        complete = wait_until(lambda: found(client, d, word) == [entry_id], within=1800)
        if complete is None:
            raise RuntimeError("the new host's index never caught up")
        if sync.wait(timeout=1800):
            raise RuntimeError("search sync failed on the new host (see its log)")
        return {"serving": serving, "complete": time.monotonic() - started}
    finally:
        d.stop()
        if sync.poll() is None:
            sync.kill()


def stopped_host_figures(client: httpx.Client, a: Host, b: Host, backlog: int) -> dict[str, float]:
    """Stop B, publish `backlog` entries through A, start B; seconds until B lists each once."""
    b.stop()
    word = f"b{uuid.uuid4().hex[:12]}"
    ids = []
    started = time.monotonic()
    for _ in range(backlog):
        created = client.post(f"{a.url}/api/v1/datasets", json=new_entry(word))
        created.raise_for_status()
        ids.append(created.json()["id"])
    publishing = time.monotonic() - started

    def listed() -> list[str]:
        response = client.get(f"{b.url}/api/v1/datasets", params={"q": word, "per_page": 100, "page": 1})
        if response.status_code != 200 or response.json()["facets"] is None:
            return []
        body, listed_ids = response.json(), []
        pages = -(-body["total"] // 100)
        listed_ids += [item["id"] for item in body["items"]]
        for page in range(2, pages + 1):
            more = client.get(f"{b.url}/api/v1/datasets", params={"q": word, "per_page": 100, "page": page})
            listed_ids += [item["id"] for item in more.json()["items"]]
        return listed_ids

    restarted = time.monotonic()
    b.start()  # its background catch-up (SEARCH_SYNC_INTERVAL) applies what it missed
    caught_up = wait_until(lambda: sorted(listed()) == sorted(ids), within=600)
    if caught_up is None:
        final = listed()
        raise RuntimeError(f"B lists {len(final)} ({len(set(final))} distinct) of {len(ids)} after restart")
    return {"publishing": publishing, "restart_to_caught_up": time.monotonic() - restarted, "rate": backlog}


def main() -> None:
    entries = env_int("BENCH_HOSTS_ENTRIES", 2_000)
    changes, backlog = env_int("BENCH_HOSTS_CHANGES", 30), env_int("BENCH_HOSTS_BACKLOG", 200)
    print(f"\n== several hosts on one PostgreSQL: {entries:,} entries, three gunicorn hosts ({SETTINGS}) ==")
    print(f"(machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the start; shared)")
    work = Path(tempfile.gettempdir()) / "bench-hosts"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{NAME}" WITH (FORCE)')
    a, b, c, d = (Host(name, work) for name in "abcd")
    timings = ensure_catalogue(NAME, entries, a.index_dir, builders=2)
    print("catalogue: " + ", ".join(f"{k} {v:.0f}s" for k, v in timings.items()))
    cli_env = {**os.environ, "MARKETPLACE_ENV": "development", "DATABASE_URL": database_url(NAME)}
    token_id, token = create_token(cli_env)
    try:
        headers = {"Authorization": f"Bearer {token}"}
        with running(a, b, c) as hosts, httpx.Client(timeout=30, headers=headers) as client:
            with Readers(hosts) as readers:
                seen = lags(client, hosts, changes)
            print(f"\nlag from a change's acknowledgement through A to its host's search ({changes} changes,")
            print(
                f"one reader per host searching meanwhile: {readers.answered} answered, "
                f"{readers.failed} failed)"
            )
            print(f"{'host':<28}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'ratio p50/p95':>16}")
            base = [1000 * s for s in seen["a"]]
            for host in hosts:
                ms = [1000 * s for s in seen[host.name]]
                label = "A (took it; baseline)" if host is a else f"{host.name.upper()} (from the outbox)"
                ratio = f"{pct(ms, 0.5) / pct(base, 0.5):.1f}x/{pct(ms, 0.95) / pct(base, 0.95):.1f}x"
                print(f"{label:<28}{pct(ms, 0.5):>9.0f}{pct(ms, 0.95):>9.0f}{max(ms):>9.0f}{ratio:>16}")
            others = [s for h in (b, c) for s in seen[h.name]]
            print(f"other hosts together: p95 {pct(others, 0.95):.2f} s (goal <= 2 s)")

            word = f"n{uuid.uuid4().hex[:12]}"
            created = client.post(f"{a.url}/api/v1/datasets", json=new_entry(word))
            created.raise_for_status()
            total = entries + changes // 3 + 1
            figures = new_host_figures(client, d, (word, created.json()["id"]))
            print(
                f"\na new host with no index (about {total:,} entries): serving entries after "
                f"{figures['serving']:.1f} s, its search complete after {figures['complete']:.1f} s"
            )
            figures = stopped_host_figures(client, a, b, backlog)
            print(
                f"a host stopped while {backlog} entries were published through A "
                f"({backlog / figures['publishing']:.0f} publishes/s): all {backlog} in its search, "
                "each once, "
                f"{figures['restart_to_caught_up']:.1f} s after its restart"
            )
    finally:
        revoke_token(cli_env, token_id)
        with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{NAME}" WITH (FORCE)')
    print(f"(hosts' logs in {work})")


if __name__ == "__main__":
    sys.exit(main())
