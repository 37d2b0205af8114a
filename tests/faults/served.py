"""Hosts served by real gunicorn for the fault tests, the processes inside them, and what their
search lists."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

from tests.consistency.processes import Server, explain, flask_command, gunicorn, process_env


@contextmanager
def host(database_url: str, root: Path, name: str, *, workers: int = 2) -> Iterator[Server]:
    """One app host on the shared database, as the Dockerfile starts it: its own index directory,
    built by `search sync`, then gunicorn with `workers` worker processes, until the block ends."""
    env = process_env(database_url, root / f"index-{name}", production=True)
    built = flask_command(env, "search", "sync")
    assert built.returncode == 0, explain(built)
    with gunicorn(env, root / f"gunicorn-{name}.log", workers=workers) as server:
        yield server


def children_of(pid: int) -> set[int]:
    """The running processes whose parent is `pid` (for gunicorn's master: its workers), from
    /proc; a child that has ended but is not yet reaped (a zombie) is not counted."""
    children = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue  # it ended while we looked
        # "pid (command) state ppid ...": the command may itself hold spaces and parentheses.
        state, ppid = text[text.rfind(")") + 2 :].split()[:2]
        if int(ppid) == pid and state != "Z":
            children.add(int(stat.parent.name))
    return children


def search_ids(base: str, word: str) -> list[str] | None:
    """Every id the host's index lists for `word`, page by page, repeats kept; None while the
    listing comes from the database (no facets: the index is not there)."""
    ids: list[str] = []
    page = 1
    while True:
        response = requests.get(
            f"{base}/api/v1/datasets", params={"q": word, "per_page": 100, "page": page}, timeout=30
        )
        assert response.status_code == 200, response.text
        body = response.json()
        if body["facets"] is None:
            return None
        ids += [item["id"] for item in body["items"]]
        if not body["items"] or len(ids) >= body["total"]:
            return ids
        page += 1
