"""A seeded catalogue shared by a whole module, in a database and index of its own.

Seeding takes a few seconds, so the judged queries share one catalogue instead of seeding per
test. It lives in its own database (made by the migrations, like the run's), so the per-test
`app` fixture, which empties the run's database after each test, never touches it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import Dataset, Organisation
from marketplace.search.store import close_searchers
from tests.conftest import IsolatedClient, make_app
from tests.factories import create_token, create_user


@dataclass(frozen=True)
class Entry:
    slug: str
    title: str
    status: str
    access_rights: str
    organisation: str


@dataclass
class SeededCatalogue:
    app: Flask
    client: FlaskClient
    reader: str  # a signed-in reader's token: sees every published entry
    publisher: str  # a Department for Education publisher's token: sees its drafts too
    entries: list[Entry] = field(default_factory=list, repr=False)

    def where(self, **wanted: Any) -> list[Entry]:
        return [e for e in self.entries if all(getattr(e, k) == v for k, v in wanted.items())]


@pytest.fixture(scope="session")
def seeded(new_database_url, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeededCatalogue]:
    """The seed catalogue, indexed, with tokens for a reader and a DfE publisher.

    Once a run (in each test process): seeding and indexing it is the dearest set-up in the suite,
    and the modules using it only search and read it. A test that changes it breaks the others."""
    app = make_app(new_database_url(), tmp_path_factory.mktemp("seeded"))
    app.test_client_class = IsolatedClient
    with app.app_context():
        upgrade()
        result = app.test_cli_runner().invoke(args=["seed"])
        assert result.exit_code == 0, result.output
        reader = create_token(user=create_user(email="carol@cabinetoffice.gov.uk", roles=()))
        dfe = db.session.scalar(select(Organisation).where(Organisation.slug == "department-for-education"))
        publisher = create_token(
            user=create_user(email="eve@education.gov.uk", organisation=dfe, roles=("publisher",))
        )
        entries = [
            Entry(d.slug, d.title, d.status, d.access_rights, d.organisation.slug)
            for d in db.session.scalars(select(Dataset).order_by(Dataset.slug))
        ]
        db.session.remove()
    yield SeededCatalogue(app, app.test_client(), reader, publisher, entries)
    close_searchers()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
