"""The disk holding the index full while a running server writes to it: publishing still works
(the database is the truth), the index it had keeps answering, the writers fail without keeping
the index's write lock, and once space is freed the next sync brings the index up to date.

The index lives on a tmpfs of its own, small enough to fill in a moment: mounting one needs
root, and the test is skipped where mounting is not permitted.
"""

from __future__ import annotations

import errno
import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.consistency import conftest as consistency
from tests.consistency.processes import PATIENCE_S, Server, explain, flask_command, gunicorn, wait_for
from tests.factories import create_dataset, valid_entry

# The consistency tests' fixtures: a publisher with a token, the index directory, and the
# environments of the command line and of gunicorn.
publisher = consistency.publisher
index_dir = consistency.index_dir
cli_env = consistency.cli_env
server_env = consistency.server_env
_close_searchers = consistency._close_searchers

WORKERS = 2
ASKS = 6  # requests per check, so that each worker is likely to answer at least one
DISK = "size=4m,nr_inodes=400"
OLD_TITLES = {"Bathing water quality", "Bathing water profiles"}
NEW_TITLES = {"Bathing water kingfisher survey", "Bathing water heron survey"}
# Background syncs that must have failed (SEARCH_SYNC_INTERVAL apart) before the failures are
# counted in the log: the oldest pending change at least this old, as /readyz tells it.
FAILING_FOR_S = 3.0
WORKER_LOG = "marketplace.search.worker"


@pytest.fixture
def small_disk(index_dir: Path) -> Iterator[Path]:
    """`index_dir` on a tmpfs of DISK, unmounted after the test."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs for the index needs root")
    index_dir.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", DISK, "tmpfs", str(index_dir)], capture_output=True, text=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"mounting a tmpfs is not permitted here: {mounted.stderr.strip()}")
    try:
        yield index_dir
    finally:
        if subprocess.run(["umount", str(index_dir)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "--lazy", str(index_dir)], check=True)


def fill(disk: Path, *, inodes: bool) -> list[Path]:
    """Take every free block of `disk` with one file (and, if `inodes`, every free inode with
    empty ones); the files made, to remove to free the space again."""
    filler = disk / "filler"
    made = [filler]
    descriptor = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for chunk in (1 << 16, 1 << 12, 1 << 9, 1):
            while _wrote(descriptor, chunk):
                pass
    finally:
        os.close(descriptor)
    while inodes:
        empty = disk / f"filler-{len(made)}"
        try:
            empty.touch()
        except OSError as error:
            assert error.errno == errno.ENOSPC, error
            break
        made.append(empty)
    return made


def _wrote(descriptor: int, size: int) -> bool:
    try:
        os.write(descriptor, b"\0" * size)
    except OSError as error:
        assert error.errno == errno.ENOSPC, error
        return False
    return True


def _listing(http: requests.Session, base: str, **params) -> dict:
    response = http.get(f"{base}/api/v1/datasets", params=params, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def _records(server: Server, logger: str) -> list[dict]:
    """The JSON log records `logger` wrote (production logs one JSON object a line)."""
    found = []
    for line in server.started.output.read_text(errors="replace").splitlines():
        if line.startswith("{"):
            record = json.loads(line)
            if record.get("logger") == logger:
                found.append(record)
    return found


@pytest.mark.parametrize("inodes", [False, True], ids=["no free blocks", "no free blocks or inodes"])
def test_a_full_disk_fails_index_writers_cleanly_and_the_old_index_answers_until_space_is_freed(
    inodes, small_disk, publisher, cli_env, server_env, tmp_path
):
    for title in sorted(OLD_TITLES):
        create_dataset(organisation=publisher.organisation, title=title)
    built = flask_command(cli_env, "search", "reindex")
    assert built.returncode == 0, explain(built)

    with (
        gunicorn(server_env, tmp_path / "gunicorn.log", workers=WORKERS) as server,
        requests.Session() as http,
    ):
        http.headers["Authorization"] = f"Bearer {publisher.token}"
        http.headers["Connection"] = "close"  # a connection each, so that every worker answers some
        assert _listing(http, server.url, q="bathing")["total"] == 2
        fillers = fill(small_disk, inodes=inodes)

        published = []
        for title in sorted(NEW_TITLES):
            response = http.post(
                f"{server.url}/api/v1/datasets",
                json=valid_entry(publisher=publisher.slug, status="published", title=title),
                timeout=30,
            )
            assert response.status_code == 201, f"{response.text}\n{server.log()}"
            published.append(response.json())
        for entry in published:
            stored = http.get(f"{server.url}/api/v1/datasets/{entry['id']}", timeout=10)
            assert stored.status_code == 200 and stored.json()["title"] in NEW_TITLES, stored.text

        def failing_for_a_while() -> bool:
            search = requests.get(f"{server.url}/readyz", timeout=10).json()["search"]
            return (
                search["pending_changes"] >= len(NEW_TITLES)
                and (search["oldest_pending_seconds"] or 0) >= FAILING_FOR_S
            )

        assert wait_for(failing_for_a_while, within=PATIENCE_S, interval=0.2), server.log()
        for _ in range(ASKS):  # the index as it was answers, without what it could not take
            body = _listing(http, server.url, q="bathing")
            assert body["facets"] is not None, f"the index stopped answering\n{server.log()}"
            assert {item["title"] for item in body["items"]} == OLD_TITLES, body
            assert _listing(http, server.url, q="kingfisher")["total"] == 0
        ready = requests.get(f"{server.url}/readyz", timeout=10)
        assert ready.status_code == 200 and ready.json()["checks"]["search"] == "ok", ready.text

        failures = [r for r in _records(server, WORKER_LOG) if r["level"] in ("WARNING", "ERROR")]
        assert failures, f"no failed sync was logged\n{server.log()}"
        assert any("No space left on device" in r.get("exception", r["message"]) for r in failures), failures
        # The first failure of each worker with its traceback, not one every interval.
        assert len([r for r in failures if "exception" in r]) <= WORKERS, failures

        for filler in fillers:
            filler.unlink()
        # Waits for a writer in another process (up to store.WRITER_TIMEOUT_S), then fails: had a
        # failed writer kept the lock, this would.
        synced = flask_command(cli_env, "search", "sync")
        assert synced.returncode == 0, f"{explain(synced)}\n{server.log()}"

        for _ in range(ASKS):
            body = _listing(http, server.url, q="bathing")
            assert body["facets"] is not None and body["total"] == 4, body
            assert _listing(http, server.url, q="kingfisher")["total"] == 1

        def recovered() -> list[dict]:
            return [r for r in _records(server, WORKER_LOG) if "works again" in r["message"]]

        assert wait_for(recovered, within=PATIENCE_S, interval=0.2), (
            f"no worker said it recovered\n{server.log()}"
        )
        assert requests.get(f"{server.url}/readyz", timeout=10).json()["status"] == "ok"
