"""Processes killed with SIGKILL at the worst moments: after a publish's database commit but
before it reached the index, and in the middle of writing the index. Nothing is lost, and the
index the killed process left behind keeps answering."""

from __future__ import annotations

import shutil
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.models import Dataset, Organisation
from marketplace.search import index_root
from marketplace.search.store import POINTER, close_searchers, open_index
from marketplace.seeding.synthetic import add_synthetic
from tests.conftest import IsolatedClient, make_app
from tests.consistency.processes import (
    PATIENCE_S,
    Started,
    explain,
    flask_command,
    gunicorn,
    process_env,
    start,
    start_flask_command,
    wait_for,
)
from tests.factories import create_dataset
from tests.helpers import api

SEARCHABLE_WITHIN_S = 1.0
SYNTHETIC = 2000


def _search(client, q: str = "") -> dict:
    """An anonymous search through the API, which the index must answer (it has facets)."""
    body = api(client, "GET", "/api/v1/datasets", status=200, query_string={"q": q, "per_page": 1}).get_json()
    assert body["facets"] is not None, f"the index did not answer {q!r}: listed from the database"
    return body


def _wait_for_line(started: Started, line: str, within: float = PATIENCE_S) -> None:
    said = wait_for(
        lambda: line in started.log().splitlines() or started.process.poll() is not None, within=within
    )
    assert said and line in started.log().splitlines(), f"the child never said {line!r}:\n{started.log()}"


# Killed after the commit, before indexing ------------------------------------------------------


def _publish_then_die(cli_env: dict[str, str], index_dir: Path, title: str, slug: str, output: Path) -> None:
    """Publish `title` in a child process and SIGKILL it after its commit, before it indexes.

    The test holds the index's writer lock meanwhile, as another process applying changes
    would: the child commits, reports it, and is killed while it waits for the lock."""
    another_writer = open_index(index_dir).writer()
    try:
        child = start([sys.executable, "-m", "tests.consistency.committer", title, slug], cli_env, output)
        try:
            _wait_for_line(child, "committed")
        finally:
            child.kill()
    finally:
        another_writer.cancel()
    assert "indexed" not in child.log().splitlines(), (
        f"the child indexed before it was killed:\n{child.log()}"
    )


@dataclass
class AfterTheCrash:
    """What a recovery works with: the test's app client and the environments of new processes."""

    client: FlaskClient
    cli_env: dict[str, str]
    server_env: dict[str, str]
    organisation: Organisation
    logs: Path


def _recover_with_search_sync(crash: AfterTheCrash, word: str) -> None:
    synced = flask_command(crash.cli_env, "search", "sync")
    assert synced.returncode == 0, explain(synced)
    assert _search(crash.client, word)["total"] == 1


def _recover_by_restarting_the_server(crash: AfterTheCrash, word: str) -> None:
    """A new server process catches up at start-up, with no command run and nothing published."""
    with gunicorn(crash.server_env, crash.logs / "gunicorn.log", workers=1) as server:

        def found() -> bool:
            response = requests.get(f"{server.url}/api/v1/datasets", params={"q": word}, timeout=10)
            assert response.status_code == 200, f"{response.text}\n{server.log()}"
            return response.json()["total"] == 1

        started = time.monotonic()
        assert wait_for(found, within=SEARCHABLE_WITHIN_S), (
            f"not searchable {time.monotonic() - started:.1f}s after the restart\n{server.log()}"
        )


def _recover_on_the_next_publish(crash: AfterTheCrash, word: str) -> None:
    create_dataset(organisation=crash.organisation, title="Vehicle licensing statistics")
    assert _search(crash.client, word)["total"] == 1
    assert _search(crash.client, "licensing")["total"] == 1


@pytest.mark.parametrize(
    "recover",
    [
        pytest.param(_recover_with_search_sync, id="search-sync"),
        pytest.param(_recover_by_restarting_the_server, id="server-restart"),
        pytest.param(_recover_on_the_next_publish, id="next-publish"),
    ],
)
def test_a_publish_whose_process_was_killed_before_indexing_becomes_searchable(
    recover: Callable[[AfterTheCrash, str], None],
    client,
    runner,
    publisher,
    index_dir,
    cli_env,
    server_env,
    tmp_path,
):
    create_dataset(organisation=publisher.organisation, title="Road safety statistics")
    assert runner.invoke(args=["search", "reindex"]).exit_code == 0

    _publish_then_die(
        cli_env, index_dir, "Bathing water quality kittiwake", publisher.slug, tmp_path / "child.log"
    )
    db.session.expire_all()
    assert db.session.scalar(select(Dataset.status).where(Dataset.title.contains("kittiwake"))) == "published"
    assert _search(client, "kittiwake")["total"] == 0, (
        "the change was indexed although its process was killed"
    )

    recover(AfterTheCrash(client, cli_env, server_env, publisher.organisation, tmp_path), "kittiwake")


# Killed while writing the index -----------------------------------------------------------------


@dataclass
class SyntheticCatalogue:
    """The seed catalogue indexed, then 2,000 synthetic entries not yet in that index."""

    database_url: str
    index: Path  # a copy of the index as it was before the synthetic entries: copy it, don't use it
    visible_before: int  # what an anonymous search listed in that index
    visible_after: int  # what it lists once the synthetic entries are indexed


def _anonymously_visible() -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Dataset)
        .where(Dataset.status == "published", Dataset.access_rights == "OPEN", Dataset.deleted_at.is_(None))
    )


@pytest.fixture(scope="module")
def synthetic_catalogue(new_database_url, tmp_path_factory) -> Iterator[SyntheticCatalogue]:
    url = new_database_url()
    app = make_app(url, tmp_path_factory.mktemp("synthetic"))
    with app.app_context():
        upgrade()
        seeded = app.test_cli_runner().invoke(args=["seed"])
        assert seeded.exit_code == 0, seeded.output
        before = _anonymously_visible()
        organisations = list(db.session.scalars(select(Organisation.slug).order_by(Organisation.slug)))
        # What `seed --synthetic 2000` adds, left for the index to catch up with.
        assert add_synthetic(SYNTHETIC, organisations) == SYNTHETIC
        after = _anonymously_visible()
        snapshot = index_root()
        db.session.remove()
        db.engine.dispose()
    yield SyntheticCatalogue(url, snapshot, before, after)


@pytest.fixture
def synthetic_app(synthetic_catalogue: SyntheticCatalogue, tmp_path: Path) -> Iterator[Flask]:
    """An app on the synthetic catalogue with a copy of its lagging index of its own."""
    app = make_app(synthetic_catalogue.database_url, tmp_path)
    app.test_client_class = IsolatedClient
    shutil.copytree(synthetic_catalogue.index, app.config["SEARCH_INDEX_DIR"])
    with app.app_context():
        yield app
        close_searchers()
        db.session.remove()
        db.engine.dispose()


def _generations(root: Path) -> set[Path]:
    return set(root.glob("gen-*"))


def _files(directory: Path) -> set[Path]:
    try:
        return set(directory.iterdir())
    except FileNotFoundError:  # removed as we looked
        return set()


def _kill_when(started: Started, reached: Callable[[], bool], what: str) -> None:
    """SIGKILL `started` as soon as `reached()` is true (checked every few milliseconds)."""
    deadline = time.monotonic() + PATIENCE_S
    try:
        while not reached():
            assert started.process.poll() is None, f"it finished before {what}:\n{started.log()}"
            assert time.monotonic() < deadline, f"never reached {what}:\n{started.log()}"
            time.sleep(0.002)
    finally:
        started.kill()


def test_a_reindex_killed_while_committing_leaves_the_previous_index_answering_and_can_be_rerun(
    synthetic_app: Flask, synthetic_catalogue: SyntheticCatalogue, tmp_path: Path
):
    root = Path(synthetic_app.config["SEARCH_INDEX_DIR"])
    client = synthetic_app.test_client()
    env = process_env(synthetic_catalogue.database_url, root)
    assert _search(client)["total"] == synthetic_catalogue.visible_before
    (previous,) = _generations(root)
    pointer = (root / POINTER).read_text()

    rebuild = start_flask_command(env, tmp_path / "reindex.log", "search", "reindex")

    def committing() -> bool:
        """Whoosh writes the new segment's columns when the writer commits."""
        return any(f.suffix == ".col" for new in _generations(root) - {previous} for f in _files(new))

    _kill_when(rebuild, committing, "the rebuild's commit")

    assert (root / POINTER).read_text() == pointer, "the pointer moved to an unfinished generation"
    assert _search(client)["total"] == synthetic_catalogue.visible_before
    assert _search(client, "bathing water")["total"] >= 1
    status = flask_command(env, "search", "status")
    assert status.returncode == 0 and "index: available" in status.stdout, explain(status)

    again = flask_command(env, "search", "reindex")
    assert again.returncode == 0, explain(again)
    assert _search(client)["total"] == synthetic_catalogue.visible_after
    assert len(_generations(root)) == 1, "the killed rebuild's unfinished generation was left behind"


def test_a_sync_killed_while_committing_leaves_the_index_as_it_was_and_the_next_sync_applies_all(
    synthetic_app: Flask, synthetic_catalogue: SyntheticCatalogue, tmp_path: Path
):
    root = Path(synthetic_app.config["SEARCH_INDEX_DIR"])
    client = synthetic_app.test_client()
    env = process_env(synthetic_catalogue.database_url, root)
    assert _search(client)["total"] == synthetic_catalogue.visible_before
    (generation,) = _generations(root)
    files_before = _files(generation)

    sync = start_flask_command(env, tmp_path / "sync.log", "search", "sync")

    def committing() -> bool:
        return any(f.suffix == ".col" for f in _files(generation) - files_before)

    _kill_when(sync, committing, "the sync's commit")

    # Whoosh commits by replacing its table of contents: a killed writer leaves no half-applied batch.
    assert _search(client)["total"] == synthetic_catalogue.visible_before

    # A lock still held by the killed writer would make this sync give up after waiting for it
    # (LockError, a failing exit): succeeding shows the lock went with the process. Not timed:
    # on a busy machine starting the command alone can take many seconds.
    again = flask_command(env, "search", "sync")
    assert again.returncode == 0, explain(again)
    assert _search(client)["total"] == synthetic_catalogue.visible_after
