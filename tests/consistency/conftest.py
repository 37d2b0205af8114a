"""Fixtures for the consistency tests: a department with a publisher's token, and the
environment that other processes (the command line, gunicorn, killed children) run with."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask

from marketplace.models import Organisation
from marketplace.search.store import close_searchers
from tests.consistency.processes import process_env
from tests.factories import create_organisation, create_token, create_user


@dataclass(frozen=True)
class Publisher:
    organisation: Organisation
    slug: str
    token: str


@pytest.fixture(autouse=True)
def _close_searchers() -> Iterator[None]:
    """Searches made in the test process keep a searcher open per thread: close it after each test."""
    yield
    close_searchers()


@pytest.fixture
def index_dir(app: Flask) -> Path:
    """The index directory the test's app uses, and every process started by the test."""
    return Path(app.config["SEARCH_INDEX_DIR"])


@pytest.fixture
def publisher(app: Flask) -> Publisher:
    organisation = create_organisation()
    user = create_user(email="pat@dft.gov.uk", organisation=organisation, roles=("publisher",))
    return Publisher(organisation, organisation.slug, create_token(user=user))


@pytest.fixture
def cli_env(database_url: str, index_dir: Path) -> dict[str, str]:
    """The command line's environment (`MARKETPLACE_ENV=test`)."""
    return process_env(database_url, index_dir)


@pytest.fixture
def server_env(database_url: str, index_dir: Path) -> dict[str, str]:
    """gunicorn's environment (`MARKETPLACE_ENV=production`: background catch-up on)."""
    return process_env(database_url, index_dir, production=True)
