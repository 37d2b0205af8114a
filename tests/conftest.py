"""Fixtures: a database built by the migrations once per run, emptied after each test.

Run on SQLite (default) or PostgreSQL with ``pytest --db postgresql`` (server from
TEST_DATABASE_URL, default the local one); each run gets a database of its own.
Tests commit for real (services own their transactions, and live-server tests read from
other threads), so isolation is by emptying every table after each test.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from werkzeug.serving import make_server
from werkzeug.test import TestResponse
from werkzeug.wsgi import ClosingIterator

from marketplace import create_app
from marketplace.config import TEST_SUITE_FLAG
from marketplace.extensions import db
from tests import run_costs
from tests.consistency.processes import PATIENCE_S

# MARKETPLACE_ENV=test runs only under the suite (the app refuses it otherwise); commands the
# tests start as other processes inherit this.
os.environ[TEST_SUITE_FLAG] = "1"
run_costs.remember_route_builders()

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@sa.event.listens_for(sa.Engine, "connect")
def _commit_without_waiting_for_the_disk(dbapi_connection, connection_record) -> None:
    """The suite's own connections commit without waiting for the disk to confirm the write.

    What a commit makes visible to other connections and processes is the same either way; only
    a power cut could lose a commit, and a test run does not outlive one. Waiting cost 2.3 ms a
    commit on SQLite here (an fsync), and the suite commits tens of thousands of times. Servers
    and commands the tests start as other processes keep the databases' defaults.
    """
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        dbapi_connection.execute("PRAGMA synchronous = OFF")
    elif type(dbapi_connection).__module__.startswith("psycopg"):
        dbapi_connection.execute("SET synchronous_commit = off")
        dbapi_connection.commit()


# A test that asks for none of these never touches the database the suite runs on.
DATABASE_FIXTURES = frozenset({"database_url", "new_database_url", "database_kind"})


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db", choices=("sqlite", "postgresql"), default="sqlite", help="Database to run the suite on."
    )
    parser.addoption(
        "--database-tests-only",
        action="store_true",
        help="Run only the tests that use the database (make test runs the others in its first pass only).",
    )


def pytest_report_header(config: pytest.Config) -> str:
    return f"database: {config.getoption('--db')}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """With --database-tests-only, leave out the tests that use no database: they cannot answer
    differently on the second database, and running them twice cost minutes of `make test`."""
    if not config.getoption("--database-tests-only"):
        return
    kept, left_out = [], []
    for item in items:
        uses_database = DATABASE_FIXTURES & set(getattr(item, "fixturenames", ()))
        (kept if uses_database else left_out).append(item)
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = kept


def pytest_collection_finish(session: pytest.Session) -> None:
    run_costs.spare_the_garbage_collector()


def postgres_server_url() -> str:
    return os.environ.get("TEST_DATABASE_URL", DEFAULT_POSTGRES_URL)


def create_postgres_database(server_url: str) -> str:
    """Make an empty database for this run on the server; skip the run if there is no server."""
    engine = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    name = f"marketplace_test_{uuid.uuid4().hex[:10]}"
    try:
        with engine.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as error:
        pytest.skip(
            f"PostgreSQL is not reachable at {server_url} ({type(error.orig).__name__}): "
            "set TEST_DATABASE_URL or start the server",
            allow_module_level=True,
        )
    finally:
        engine.dispose()
    return sa.make_url(server_url).set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(server_url: str, url: str) -> None:
    engine = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{sa.make_url(url).database}" WITH (FORCE)'))
    engine.dispose()


@pytest.fixture(scope="session")
def database_kind(pytestconfig: pytest.Config) -> str:
    return pytestconfig.getoption("--db")


@pytest.fixture(scope="session")
def new_database_url(database_kind: str, tmp_path_factory: pytest.TempPathFactory):
    """A factory of empty databases of the run's kind; each is dropped at the end of the run."""
    made: list[str] = []

    def make() -> str:
        if database_kind == "sqlite":
            url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'marketplace.db'}"
        else:
            url = create_postgres_database(postgres_server_url())
        made.append(url)
        return url

    yield make
    if database_kind == "postgresql":
        for url in made:
            drop_postgres_database(postgres_server_url(), url)


def make_app(database_url: str, instance: Path, **overrides) -> Flask:
    app = create_app(
        {
            "MARKETPLACE_ENV": "test",
            "DATABASE_URL": database_url,
            "SEARCH_INDEX_DIR": str(instance / "search-index"),
            **overrides,
        },
        # Never the repository's instance/ folder, which belongs to the developer's `make run`.
        instance_path=str(instance / "instance"),
    )
    app.jinja_env.bytecode_cache = run_costs.COMPILED_TEMPLATES
    return app


@pytest.fixture(scope="session")
def database_url(new_database_url, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The run's database, built by the migrations (as production's is)."""
    url = new_database_url()
    app = make_app(url, tmp_path_factory.mktemp("instance"))
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return url


def empty_all_tables() -> None:
    """Delete every row, children first, and start every id sequence again from 1.

    DELETE rather than TRUNCATE on PostgreSQL: a test leaves a few rows in a few tables, and
    TRUNCATE's fixed cost per table (new files for each of the 30) made emptying take 175 ms a
    test here against 17 ms, minutes over the suite.
    """
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    if db.engine.dialect.name == "postgresql":
        for sequence in _sequences(db.engine.url.render_as_string(hide_password=False)):
            db.session.execute(sa.text("SELECT setval(:sequence, 1, false)"), {"sequence": sequence})
    db.session.commit()


_sequences_of: dict[str, list[str]] = {}


def _sequences(url: str) -> list[str]:
    """The database's sequences (read once a run: the schema does not change under the suite)."""
    if url not in _sequences_of:
        names = "quote_ident(schemaname) || '.' || quote_ident(sequencename)"
        query = sa.text(f"SELECT {names} FROM pg_sequences")
        _sequences_of[url] = list(db.session.execute(query).scalars())
    return _sequences_of[url]


class IsolatedClient(FlaskClient):
    """A test client whose every request runs in an application context of its own, as when served.

    The `app` fixture keeps a context pushed for the whole test (for factories and queries), and
    Flask would otherwise reuse it for requests, sharing `g` and the database session between them.
    """

    def open(self, *args, **kwargs) -> TestResponse:
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture(autouse=True)
def close_every_apps_connections() -> Iterator[None]:
    """After each test, close the pooled connections of every app it made (the `app` fixture's
    and any a test builds to play another service or a production configuration).

    An app left to the garbage collector takes its pool with it, and psycopg warns about each open
    connection whenever the collector gets round to it, failing whichever later test is running.

    Not the apps a module or the session serves over HTTP (`serves_across_tests`): their server
    threads may hold a connection at that moment (a browser's late request), and disposing an
    engine leaves such a connection in a pool nobody holds, open until the collector finds it, with
    the same warning. Those fixtures dispose of their engine once the server has stopped."""
    yield
    with_engines = getattr(db, "_app_engines", {})  # Flask-SQLAlchemy 3 keeps them per app
    for app, engines in list(with_engines.items()):
        if app.extensions.get(SERVES_ACROSS_TESTS):
            continue
        for engine in engines.values():
            engine.dispose()


SERVES_ACROSS_TESTS = "tests.serves_across_tests"


def serves_across_tests(app: Flask) -> Flask:
    """Mark `app` as served by a module's or the session's fixture (see above)."""
    app.extensions[SERVES_ACROSS_TESTS] = True
    return app


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    app = make_app(database_url, tmp_path)
    app.test_client_class = IsolatedClient
    with app.app_context():
        yield app
        db.session.remove()
        empty_all_tables()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


class _Answering:
    """The requests a served app is still answering, so that stopping the server can wait for
    them: werkzeug answers each in a daemon thread, which `server_close` does not wait for, and one
    still holding a database connection when the test disposes of the app's engine leaves that
    connection in a pool nobody holds, for the collector to find open in a later test."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.count = 0
        self.changed = threading.Condition()

    def __call__(self, environ, start_response):
        with self.changed:
            self.count += 1
        try:
            body = self.app(environ, start_response)
        except BaseException:
            self._done()
            raise
        # Done when the server closes the body, after sending it (and after a streamed
        # response's teardown, which runs on close).
        return ClosingIterator(body, [self._done])

    def _done(self) -> None:
        with self.changed:
            self.count -= 1
            self.changed.notify_all()

    def wait_until_idle(self, within: float) -> bool:
        with self.changed:
            return self.changed.wait_for(lambda: self.count == 0, timeout=within)


@contextmanager
def serving(app: Flask) -> Iterator[str]:
    """`app` served over real HTTP on a free loopback port; yields its base URL. On leaving, the
    server stops taking requests and the requests it took are answered before this returns."""
    answering = _Answering(app)
    server = make_server("127.0.0.1", 0, answering, threaded=True)
    base_url = f"http://127.0.0.1:{server.server_port}"
    # Sign-in's addresses come from BASE_URL, as when deployed; the port is known only now.
    app.config["BASE_URL"] = base_url
    # A short poll interval: shutdown() waits up to one interval, once per test.
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield base_url
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        assert answering.wait_until_idle(PATIENCE_S), "a request to the served app never finished"


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The app served over real HTTP on a free loopback port; yields its base URL."""
    with serving(app) as base_url:
        yield base_url
