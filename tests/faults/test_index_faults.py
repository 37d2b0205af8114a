"""The search index damaged under a running server (its files overwritten with garbage): every
page keeps answering from the database, /readyz says degraded, and a rebuild brings search back
without failing a request. (tests/consistency/test_index_loss.py covers the index deleted.)"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
from flask.testing import FlaskClient

from marketplace.search import SearchUnavailable, index_root, sync_index
from marketplace.search.store import POINTER
from tests.consistency import conftest as consistency
from tests.consistency.processes import explain, flask_command, gunicorn, wait_for
from tests.factories import create_dataset, valid_entry
from tests.helpers import api

# The consistency tests' fixtures: a publisher with a token, the index directory, and the
# environments of the command line and of gunicorn.
publisher = consistency.publisher
index_dir = consistency.index_dir
cli_env = consistency.cli_env
server_env = consistency.server_env
_close_searchers = consistency._close_searchers

WORKERS = 2
ASKS = 6  # requests per check, so that each worker is likely to answer at least one
TITLES = {"Bathing water quality", "Bathing water profiles"}
NO_FILTERS = "Filtering is not available at the moment"  # find.html, when the database answers
# Bounds on the client that asks throughout a rebuild: it stops when told, or at these.
ASKING_AT_MOST = 5000
ASKING_FOR_AT_MOST_S = 180.0
# Which files are damaged: the tables of contents (Whoosh cannot open the index at all), or the
# segments (it opens, and fails reading the entries).
DAMAGED = {"tables of contents": ".toc", "segments": ".seg"}


def damage(index_dir: Path, suffix: str) -> list[Path]:
    """Overwrite the current generation's files ending in `suffix` with random bytes, in place
    and at the same size, as a failing disk or a bad restore leaves them: the names, sizes and
    commit number Whoosh compares stay as they were."""
    generation = index_dir / (index_dir / POINTER).read_text().strip()
    files = sorted(path for path in generation.iterdir() if path.name.endswith(suffix))
    assert files, f"no {suffix} files in {generation}"
    garbage = random.Random(17)
    for path in files:
        size = path.stat().st_size
        with path.open("r+b") as out:
            out.write(garbage.randbytes(size))
    return files


def _listing(http: requests.Session, base: str, **params) -> dict:
    response = http.get(f"{base}/api/v1/datasets", params=params, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


@dataclass
class Asking:
    """A client asking for the API list, the find page and an entry page, over and over, in a
    thread of its own: what it was told."""

    base: str
    token: str
    slug: str
    answers: list[tuple[float, str, int]] = field(default_factory=list)  # (when, page, status)
    failures: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def pages(self) -> list[tuple[str, str, dict[str, str]]]:
        return [
            ("api", "/api/v1/datasets", {"q": "bathing"}),
            ("find", "/datasets", {"q": "bathing"}),
            ("entry", f"/datasets/{self.slug}", {}),
        ]

    def run(self) -> None:
        deadline = time.monotonic() + ASKING_FOR_AT_MOST_S
        with requests.Session() as http:
            http.headers["Authorization"] = f"Bearer {self.token}"
            http.headers["Connection"] = "close"
            while not self.stop.is_set() and len(self.answers) < ASKING_AT_MOST:
                if time.monotonic() > deadline:
                    self.failures.append("still asking after the time allowed")
                    return
                for page, path, params in self.pages():
                    try:
                        response = http.get(f"{self.base}{path}", params=params, timeout=20)
                    except requests.RequestException as error:
                        self.failures.append(f"{page}: {type(error).__name__}: {error}")
                        continue
                    self.answers.append((time.monotonic(), page, response.status_code))
                    if response.status_code != 200:
                        self.failures.append(f"{page}: {response.status_code} {response.text[:300]}")

    def during(self, started: float, ended: float) -> int:
        return sum(1 for when, _, _ in self.answers if started <= when <= ended)


@pytest.mark.parametrize("suffix", DAMAGED.values(), ids=DAMAGED.keys())
def test_a_damaged_index_falls_back_to_the_database_until_a_reindex_while_serving(
    suffix, publisher, index_dir, cli_env, server_env, tmp_path
):
    entries = [create_dataset(organisation=publisher.organisation, title=title) for title in sorted(TITLES)]
    slug = entries[0].slug
    built = flask_command(cli_env, "search", "reindex")
    assert built.returncode == 0, explain(built)

    with (
        gunicorn(server_env, tmp_path / "gunicorn.log", workers=WORKERS) as server,
        requests.Session() as http,
    ):
        http.headers["Authorization"] = f"Bearer {publisher.token}"
        http.headers["Connection"] = "close"  # a connection each, so that every worker answers some
        for _ in range(ASKS):  # every worker opens its searcher on the sound index
            body = _listing(http, server.url, q="bathing")
            assert body["total"] == 2 and body["facets"] is not None, server.log()

        damage(index_dir, suffix)

        for _ in range(ASKS):
            body = _listing(http, server.url, q="bathing")
            assert body["facets"] is None, f"the damaged index answered\n{server.log()}"
            assert {item["title"] for item in body["items"]} == TITLES
            found = http.get(f"{server.url}/datasets", params={"q": "bathing"}, timeout=10)
            assert found.status_code == 200, found.text
            assert NO_FILTERS in found.text and all(title in found.text for title in TITLES)
            page = http.get(f"{server.url}/datasets/{slug}", timeout=10)
            assert page.status_code == 200, page.text
            suggested = http.get(f"{server.url}/api/v1/suggest", params={"q": "bath"}, timeout=10)
            assert suggested.status_code == 200, suggested.text
        ready = requests.get(f"{server.url}/readyz", timeout=10)
        assert ready.status_code == 200, ready.text
        assert ready.json()["status"] == "degraded", ready.json()
        assert ready.json()["checks"]["search"].startswith("unavailable: "), ready.json()
        assert ready.json()["search"]["available"] is False

        # Writes go on into the database and the outbox.
        published = http.post(
            f"{server.url}/api/v1/datasets",
            json=valid_entry(publisher=publisher.slug, status="published", title="Bathing water sampling"),
            timeout=10,
        )
        assert published.status_code == 201, published.text

        asking = Asking(server.url, publisher.token, slug)
        client = threading.Thread(target=asking.run, name="asking", daemon=True)
        client.start()
        try:
            assert wait_for(lambda: len(asking.answers) >= 3, within=60), asking.failures
            started = time.monotonic()
            rebuilt = flask_command(cli_env, "search", "reindex")
            ended = time.monotonic()
            assert rebuilt.returncode == 0, explain(rebuilt)

            def searching_again() -> bool:
                return all(_listing(http, server.url, q="bathing")["facets"] is not None for _ in range(ASKS))

            assert wait_for(searching_again, within=30, interval=0.2), (
                f"search did not come back after the reindex\n{server.log()}"
            )
        finally:
            asking.stop.set()
            client.join(timeout=60)
        assert not client.is_alive(), "the asking client did not stop"
        assert asking.during(started, ended) > 0, "no request was answered while the index was rebuilt"
        assert asking.failures == [], f"{asking.failures[:5]}\n{server.log()}"

        body = _listing(http, server.url, q="bathing")
        assert body["total"] == 3, body
        assert requests.get(f"{server.url}/readyz", timeout=10).json()["status"] == "ok"
        tracebacks = [line for line in server.started.lines_with("cannot be read") if "Traceback" in line]
        # Logged once per cause in each process that met it, not once per request.
        assert len(tracebacks) <= WORKERS, "\n".join(tracebacks)


@pytest.mark.parametrize("suffix", DAMAGED.values(), ids=DAMAGED.keys())
def test_search_sync_rebuilds_a_damaged_index(suffix, client: FlaskClient, publisher, index_dir, cli_env):
    for title in sorted(TITLES):
        create_dataset(organisation=publisher.organisation, title=title)
    built = flask_command(cli_env, "search", "reindex")
    assert built.returncode == 0, explain(built)
    damage(index_dir, suffix)
    listed = api(client, "GET", "/api/v1/datasets", status=200, query_string={"q": "bathing"}).get_json()
    assert listed["facets"] is None and listed["total"] == 2

    status = flask_command(cli_env, "search", "status")
    assert status.returncode == 0 and "index: unavailable" in status.stdout, explain(status)
    synced = flask_command(cli_env, "search", "sync")
    assert synced.returncode == 0, explain(synced)

    listed = api(client, "GET", "/api/v1/datasets", status=200, query_string={"q": "bathing"}).get_json()
    assert listed["facets"] is not None and listed["total"] == 2, listed


@pytest.mark.parametrize("suffix", DAMAGED.values(), ids=DAMAGED.keys())
def test_syncing_a_damaged_index_rebuilds_it_only_where_rebuilds_are_allowed(suffix, app, publisher):
    for title in sorted(TITLES):
        create_dataset(organisation=publisher.organisation, title=title)
    root = index_root()
    sync_index(root, build_if_missing=True)
    damage(root, suffix)

    # A web process's sync must not start a rebuild (minutes at 100,000 entries): it reports it.
    with pytest.raises(SearchUnavailable):
        sync_index(root)
    result = sync_index(root, build_if_missing=True)  # the command line's
    assert result.applied == 2
    assert sync_index(root).applied == 0
