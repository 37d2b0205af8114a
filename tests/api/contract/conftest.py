"""The seed catalogue served over HTTP for the API's contract tests, with a publisher's token.

One server for the folder (seeding takes seconds): a database and search index of its own, so
the other tests' emptying of tables never reaches it. The token belongs to a publisher and org
admin at the Department for Transport. The document's example entry is another department's,
so the changes schemathesis makes to it are refused (403) and the seeded entries stay as they
were for the reads that follow; its example organisation and member are the token's own, so
the people and roles operations answer with their lists (a seeded publisher's role is taken
away and given back).
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import Organisation
from marketplace.search.store import close_searchers
from tests.conftest import make_app, serves_across_tests, serving
from tests.factories import create_token, create_user

# The statuses of the cases schemathesis ran, by operation ("GET /api/v1/datasets"), for the
# run's summary.
CASES_RUN: dict[str, Counter[int]] = defaultdict(Counter)


@dataclass(frozen=True)
class SeededServer:
    app: Flask
    url: str
    token: str


@pytest.fixture(scope="session")
def seeded_server(new_database_url, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeededServer]:
    app = serves_across_tests(make_app(new_database_url(), tmp_path_factory.mktemp("contract")))
    with app.app_context():
        upgrade()
        result = app.test_cli_runner().invoke(args=["seed"])
        assert result.exit_code == 0, result.output
        dft = db.session.scalars(select(Organisation).filter_by(slug="department-for-transport")).one()
        user = create_user(
            email="contract.tests@dft.gov.uk", organisation=dft, roles=("publisher", "org_admin")
        )
        token = create_token(user=user, name="contract tests")
        db.session.remove()
    # A line per request would bury a failure's own output.
    request_log = logging.getLogger("werkzeug")
    level = request_log.level
    request_log.setLevel(logging.WARNING)
    try:
        with serving(app) as url:
            yield SeededServer(app, url, token)
    finally:
        request_log.setLevel(level)
        close_searchers()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def pytest_terminal_summary(terminalreporter) -> None:
    if not CASES_RUN:
        return
    terminalreporter.section("schemathesis: cases run per operation")
    for label, statuses in sorted(CASES_RUN.items()):
        answered = ", ".join(f"{status}: {count}" for status, count in sorted(statuses.items()))
        terminalreporter.write_line(f"{statuses.total():5d}  {label}  ({answered})")
    total = sum(statuses.total() for statuses in CASES_RUN.values())
    terminalreporter.write_line(f"{total:5d}  in all ({len(CASES_RUN)} operations)")
