"""PostgreSQL stopped under load, and queries slower than the statement timeout: every request gets a
quick answer (503: the GOV.UK page, problem+json, or CKAN's envelope; never a traceback), /readyz
says the database is unreachable, and the same gunicorn serves again by itself once PostgreSQL is
back (the pool's pre-ping), with every publish it acknowledged still there.

The server is a private cluster (tests/faults/conftest.py), never the machine's shared one.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest
import requests
import sqlalchemy as sa
from flask_migrate import upgrade

from marketplace.extensions import db
from tests.conftest import make_app
from tests.consistency.processes import Server, gunicorn, process_env, wait_for
from tests.factories import create_organisation, create_token, create_user, valid_entry
from tests.faults.conftest import PrivatePostgres

STATEMENT_TIMEOUT_MS = 2000
CONNECT_TIMEOUT_S = 2
# Far beyond either timeout: a request still unanswered by then has hung.
CLIENT_TIMEOUT_S = 20
CLIENTS = 3
PROBLEM_JSON = "application/problem+json"
UNAVAILABLE_PAGE = "Sorry, the service is unavailable"  # web/templates/errors/503.html
# What a failure must never show: the stack, or the driver's words.
LEAKS = ("Traceback", "psycopg", "sqlalchemy", "OperationalError", 'File "')


@dataclass(frozen=True)
class Catalogue:
    url: str
    index_dir: Path
    publisher: str
    token: str


@pytest.fixture(scope="module")
def catalogue(private_postgres: PrivatePostgres, tmp_path_factory: pytest.TempPathFactory) -> Catalogue:
    """A migrated database on the private server, with a publisher and its token."""
    admin = sa.create_engine(private_postgres.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text("CREATE DATABASE marketplace"))
    admin.dispose()
    url = private_postgres.url("marketplace")
    instance = tmp_path_factory.mktemp("outage")
    app = make_app(url, instance)
    with app.app_context():
        upgrade()
        organisation = create_organisation()
        user = create_user(email="pat@dft.gov.uk", organisation=organisation, roles=("publisher",))
        token = create_token(user=user)
        slug = organisation.slug
        db.session.remove()
        db.engine.dispose()
    return Catalogue(url, instance / "search-index", slug, token)


@pytest.fixture(scope="module")
def server(catalogue: Catalogue, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """gunicorn as production runs it, with short database timeouts."""
    env = process_env(catalogue.url, catalogue.index_dir, production=True)
    env.update(
        DATABASE_CONNECT_TIMEOUT=str(CONNECT_TIMEOUT_S),
        DATABASE_STATEMENT_TIMEOUT_MS=str(STATEMENT_TIMEOUT_MS),
    )
    with gunicorn(env, tmp_path_factory.mktemp("gunicorn") / "gunicorn.log", workers=2) as started:
        yield started


def _publish(base: str, catalogue: Catalogue, http: requests.Session | None = None) -> requests.Response:
    title = f"Outage check {uuid.uuid4()}"
    body = valid_entry(publisher=catalogue.publisher, status="published", title=title)
    return (http or requests).post(
        f"{base}/api/v1/datasets",
        json=body,
        headers={"Authorization": f"Bearer {catalogue.token}"},
        timeout=CLIENT_TIMEOUT_S,
    )


def _requests(base: str, entry_id: str) -> dict[str, tuple[str, dict[str, str]]]:
    """One request of each kind a user makes: a page, the REST API, CKAN's Action API."""
    return {
        "page": (f"{base}/datasets/{entry_id}", {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}),
        "api": (f"{base}/api/v1/datasets/{entry_id}", {"Accept": "application/json"}),
        "ckan": (f"{base}/api/3/action/package_show?id={entry_id}", {}),
    }


def unavailable_problem(kind: str, response: requests.Response) -> str | None:
    """Why `response` is not a proper 503 for a `kind` request; None when it is."""
    content_type = response.headers.get("Content-Type", "")
    if response.status_code != 503:
        return f"{kind}: {response.status_code}"
    if any(leak in response.text for leak in LEAKS):
        return f"{kind}: the body shows the failure: {response.text[:300]}"
    if "Retry-After" not in response.headers:
        return f"{kind}: no Retry-After"
    if kind == "page":
        if not content_type.startswith("text/html") or UNAVAILABLE_PAGE not in response.text:
            return f"{kind}: not the GOV.UK 503 page ({content_type}): {response.text[:300]}"
    elif kind == "api":
        if content_type != PROBLEM_JSON or response.json().get("code") != "unavailable":
            return f"{kind}: not problem+json ({content_type}): {response.text[:300]}"
    elif kind == "ckan":
        body = response.json() if content_type.startswith("application/json") else {}
        if body.get("success") is not False or not body.get("error", {}).get("__type"):
            return f"{kind}: not CKAN's error envelope ({content_type}): {response.text[:300]}"
    return None


def _get(kind: str, url: str, headers: dict[str, str]) -> tuple[str, requests.Response]:
    return kind, requests.get(url, headers=headers, timeout=CLIENT_TIMEOUT_S)


def _all_kinds(base: str, entry_id: str) -> dict[str, requests.Response]:
    """Each kind of request at once (so that slow answers overlap rather than add up)."""
    with ThreadPoolExecutor(max_workers=3) as pool:
        futures = [pool.submit(_get, kind, *request) for kind, request in _requests(base, entry_id).items()]
        return dict(future.result() for future in futures)


@contextmanager
def datasets_locked(postgres: PrivatePostgres) -> Iterator[None]:
    """Every query on the datasets table waits while the block runs: a query slower than any timeout."""
    connection = psycopg.connect(postgres.libpq_url("marketplace"))
    try:
        connection.execute("LOCK TABLE datasets IN ACCESS EXCLUSIVE MODE")
        yield
    finally:
        with suppress(psycopg.Error):  # the server was stopped under it
            connection.rollback()
        connection.close()


def app_queries_waiting(postgres: PrivatePostgres) -> int:
    """How many of the app's queries wait for a lock now."""
    with psycopg.connect(postgres.libpq_url("marketplace"), autocommit=True) as connection:
        row = connection.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = 'marketplace' AND wait_event_type = 'Lock'"
        ).fetchone()
        return row[0] if row else 0


def _answered(url: str, headers: dict[str, str]) -> bool:
    return requests.get(url, headers=headers, timeout=CLIENT_TIMEOUT_S).status_code == 200


def readiness(base: str) -> tuple[int, dict]:
    response = requests.get(f"{base}/readyz", timeout=CLIENT_TIMEOUT_S)
    return response.status_code, response.json()


def test_a_query_slower_than_the_statement_timeout_gets_a_503_and_the_next_request_is_served(
    private_postgres: PrivatePostgres, catalogue: Catalogue, server: Server
):
    created = _publish(server.url, catalogue)
    assert created.status_code == 201, created.text
    entry_id = created.json()["slug"]

    with datasets_locked(private_postgres):
        # Each request waits on the lock until PostgreSQL cancels it; the client would give up
        # (requests.Timeout) long after, had the app let it hang.
        answers = _all_kinds(server.url, entry_id)
    problems = [p for kind, response in answers.items() if (p := unavailable_problem(kind, response))]
    assert problems == [], f"{problems}\n{server.log()}"
    assert server.started.lines_with("QueryCanceled"), server.log()

    served = _all_kinds(server.url, entry_id)
    assert {kind: r.status_code for kind, r in served.items()} == {"page": 200, "api": 200, "ckan": 200}


@dataclass
class Load:
    """Clients publishing and reading until told to stop, and everything they were answered."""

    base: str
    catalogue: Catalogue
    read: str  # an entry every client reads when its own publish was refused
    acknowledged: list[str] = field(default_factory=list)  # slugs of publishes answered 201
    statuses: dict[str, list[int]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def client(self) -> None:
        with requests.Session() as http:
            while not self.stop.is_set():
                try:
                    created = _publish(self.base, self.catalogue, http)
                    self.record("publish", created, ok=201)
                    entry = self.read
                    if created.status_code == 201:
                        entry = created.json()["slug"]
                        with self.lock:
                            self.acknowledged.append(entry)
                    for kind, (url, headers) in _requests(self.base, entry).items():
                        self.record(kind, http.get(url, headers=headers, timeout=CLIENT_TIMEOUT_S))
                except requests.RequestException as error:
                    with self.lock:
                        self.problems.append(f"{type(error).__name__}: {error}")
                self.stop.wait(0.05)  # a little room for the server on a busy machine

    def record(self, kind: str, response: requests.Response, ok: int = 200) -> None:
        problem = None
        if response.status_code != ok:
            problem = unavailable_problem("api" if kind == "publish" else kind, response)
        with self.lock:
            self.statuses.setdefault(kind, []).append(response.status_code)
            if problem:
                self.problems.append(problem)

    def count(self, kind: str, status: int) -> int:
        with self.lock:
            return self.statuses.get(kind, []).count(status)


@contextmanager
def load(base: str, catalogue: Catalogue, read: str) -> Iterator[Load]:
    running = Load(base, catalogue, read)
    clients = [threading.Thread(target=running.client) for _ in range(CLIENTS)]
    for client in clients:
        client.start()
    try:
        yield running
    finally:
        running.stop.set()
        for client in clients:
            client.join(timeout=CLIENT_TIMEOUT_S * 5)


def test_stopping_postgresql_under_load_gives_quick_503s_and_the_service_recovers_by_itself(
    private_postgres: PrivatePostgres, catalogue: Catalogue, server: Server
):
    before = _publish(server.url, catalogue)
    assert before.status_code == 201, before.text
    before_id = before.json()["slug"]

    with load(server.url, catalogue, before_id) as running:
        assert wait_for(lambda: len(running.acknowledged) >= CLIENTS, within=60), server.log()
        with datasets_locked(private_postgres):
            # Requests in flight, waiting on the database, when it goes.
            assert wait_for(lambda: app_queries_waiting(private_postgres) > 0, within=30), server.log()
            private_postgres.stop()

        status, body = wait_for(lambda: (r := readiness(server.url))[0] == 503 and r, within=30) or (0, {})
        assert status == 503 and body["status"] == "unavailable", body
        assert body["checks"]["database"] == "unreachable", body
        answers = _all_kinds(server.url, before_id)
        problems = [p for kind, response in answers.items() if (p := unavailable_problem(kind, response))]
        assert problems == [], f"{problems}\n{server.log()}"
        assert wait_for(lambda: running.count("publish", 503) > 0, within=30), running.statuses

        private_postgres.start()
        # The same processes, never restarted: each kind of request is served again.
        for kind, (url, headers) in _requests(server.url, before_id).items():
            served = wait_for(lambda u=url, h=headers: _answered(u, h), within=60, interval=0.2)
            assert served, f"{kind} is not served again after PostgreSQL returned\n{server.log()}"
        assert wait_for(lambda: readiness(server.url)[0] == 200, within=60), readiness(server.url)
        acknowledged_before_recovery = len(running.acknowledged)
        assert wait_for(lambda: len(running.acknowledged) > acknowledged_before_recovery, within=60)

    assert server.started.process.poll() is None, "gunicorn exited"
    bad = running.problems
    assert bad == [], f"{len(bad)} bad answers: {bad[:5]}\n{server.log()}"
    # Nothing acknowledged is lost: before the outage, or under the load around it.
    with requests.Session() as http:
        for entry_id in [before_id, *running.acknowledged]:
            found = http.get(f"{server.url}/api/v1/datasets/{entry_id}", timeout=CLIENT_TIMEOUT_S)
            assert found.status_code == 200, f"acknowledged publish {entry_id}: {found.status_code}"


def test_postgresql_restarted_while_idle_costs_no_request(
    private_postgres: PrivatePostgres, catalogue: Catalogue, server: Server
):
    created = _publish(server.url, catalogue)
    assert created.status_code == 201, created.text
    entry_id = created.json()["slug"]
    for _ in range(3):  # every worker has pooled connections, which the restart will cut
        assert all(r.status_code == 200 for r in _all_kinds(server.url, entry_id).values())

    private_postgres.stop()
    private_postgres.start()

    # Each pooled connection is tried before use and replaced: nobody sees the restart.
    for _ in range(3):
        answers = _all_kinds(server.url, entry_id)
        assert {kind: r.status_code for kind, r in answers.items()} == {"page": 200, "api": 200, "ckan": 200}
