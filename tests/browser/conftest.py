"""Browser tests: Playwright drives Debian's chromium against the app served on loopback, with the
seed catalogue (organisations, entries, test users) in a database and search index of its own.

Seeding takes seconds, so one catalogue serves the whole folder: tests that change it make their
own entries, with titles no other test uses, and never count what other tests may have added.
No browser is ever downloaded (`playwright install` is not used): without /usr/bin/chromium
(`apt-get install chromium`, which `make test` does), every test here is skipped, saying so.
"""

from __future__ import annotations

import logging
import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask_migrate import upgrade
from playwright.sync_api import Browser, BrowserContext, Page
from sqlalchemy import func, select
from werkzeug.serving import make_server

from marketplace.extensions import db
from marketplace.models import Dataset, Organisation
from marketplace.search import index_status
from marketplace.search.store import close_searchers, index_root
from tests.browser.checks import SCREENSHOTS
from tests.browser.signin import sign_in
from tests.conftest import make_app, serves_across_tests
from tests.web.conftest import test_pages

CHROMIUM = Path("/usr/bin/chromium")
# Chromium as root with no screen, and no calls to Google's hosts, which this network refuses.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# How long an action or expectation waits for the page: a local server answers well within it.
TIMEOUT_MS = 10_000


@dataclass(frozen=True)
class Catalogue:
    app: Flask
    url: str

    def slug_of(self, *, organisation: str | None = None, **wanted: str) -> str:
        """The slug of the first entry (by slug) with the wanted column values and organisation."""
        query = select(Dataset.slug).filter_by(deleted_at=None, **wanted).order_by(Dataset.slug).limit(1)
        if organisation:
            query = query.join(Dataset.organisation).where(Organisation.slug == organisation)
        with self.app.app_context():
            slug = db.session.scalars(query).first()
            db.session.remove()
        assert slug, f"the catalogue has no entry of {organisation or 'any organisation'} with {wanted}"
        return slug

    def count(self, **wanted: str) -> int:
        """How many entries have the wanted values (to see what a page created, or did not)."""
        query = select(func.count()).select_from(Dataset).filter_by(deleted_at=None, **wanted)
        with self.app.app_context():
            total = db.session.scalar(query)
            db.session.remove()
        return total


@pytest.fixture(scope="session", autouse=True)
def _chromium_installed() -> None:
    if not CHROMIUM.exists():
        pytest.skip(
            f"browser tests need Debian's chromium at {CHROMIUM}: apt-get install chromium "
            "(make test installs it); no browser is downloaded"
        )
    # The folder holds the last run's screenshots only, so none is left from a renamed test.
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)


@pytest.fixture(scope="session")
def browser_type_launch_args() -> dict:
    return {"executable_path": str(CHROMIUM), "args": CHROMIUM_FLAGS}


@pytest.fixture(scope="session")
def catalogue(new_database_url, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Catalogue]:
    """The seed catalogue, indexed, served over HTTP on a free loopback port."""
    app = serves_across_tests(make_app(new_database_url(), tmp_path_factory.mktemp("browser")))
    app.register_blueprint(test_pages)  # pages that fail on purpose: the 500 and 503 pages
    with app.app_context():
        upgrade()
        result = app.test_cli_runner().invoke(args=["seed"])
        assert result.exit_code == 0, result.output
        status = index_status(index_root())
        assert status.available and status.pending == 0, f"the search index is not ready: {status}"
        db.session.remove()
    # One line per request, fonts and images included, would bury a failure's own output.
    request_log = logging.getLogger("werkzeug")
    level = request_log.level
    request_log.setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    app.config["BASE_URL"] = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield Catalogue(app, f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        request_log.setLevel(level)
        close_searchers()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture(scope="session")
def base_url(catalogue: Catalogue) -> str:
    """pytest-playwright's base URL: tests go to "/datasets", not the whole address."""
    return catalogue.url


@pytest.fixture
def new_context(new_context) -> Iterator[Callable[..., BrowserContext]]:
    """Every browser context, failing the test on an uncaught script error or a blocked script."""
    problems: list[str] = []

    def on_script_error(error) -> None:
        problems.append(f"script error on {error.page.url if error.page else 'a worker'}: {error.error}")

    def on_console(message) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            problems.append(f"{message.text} (at {message.location.get('url')})")

    def make(**kwargs) -> BrowserContext:
        context = new_context(**kwargs)
        context.set_default_timeout(TIMEOUT_MS)
        context.on("weberror", on_script_error)
        context.on("console", on_console)
        return context

    yield make
    assert not problems, "\n".join(problems)


@pytest.fixture(scope="session")
def _sign_in_states(browser: Browser, browser_context_args: dict) -> Callable[[str], dict]:
    """Sign each user in once through the provider's page; later tests reuse the session cookie."""
    states: dict[str, dict] = {}

    def state_for(email: str) -> dict:
        if email not in states:
            context = browser.new_context(**browser_context_args)
            sign_in(context.new_page(), email)
            states[email] = context.storage_state()
            context.close()
        return states[email]

    return state_for


@pytest.fixture
def page_as(new_context, _sign_in_states) -> Callable[[str], Page]:
    """A page in a browser already signed in as the given e-mail address (a seed user)."""

    def open_as(email: str) -> Page:
        return new_context(storage_state=_sign_in_states(email)).new_page()

    return open_as


# The folder's total time (catalogue set-up included), shown at the end of the run.
_timing = {"tests": 0, "seconds": 0.0}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    _timing["seconds"] += report.duration
    if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
        _timing["tests"] += 1


def pytest_terminal_summary(terminalreporter) -> None:
    if _timing["tests"]:
        terminalreporter.write_sep(
            "-", f"browser tests: {_timing['tests']} in {_timing['seconds']:.1f}s (catalogue set-up included)"
        )
