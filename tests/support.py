"""Helpers shared by the API tests: refusal checks, and a record of what each committed
transaction inserted."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from marketplace.extensions import db
from marketplace.models import Dataset, DatasetSlug, OutboxEntry, QualityRating, Revision
from marketplace.schemas.dataset_out import editable_view
from tests.helpers import api, assert_problem


def stored_catalogue() -> dict[str, Any]:
    """What a refused request must leave exactly as it was: each entry's fields and version, the
    revisions, the outbox, the quality ratings and the retired slugs."""
    db.session.expire_all()
    entries = db.session.scalars(select(Dataset).order_by(Dataset.id)).all()
    return {
        "entries": {
            str(d.id): {**editable_view(d), "lock_version": d.lock_version, "deleted_at": d.deleted_at}
            for d in entries
        },
        "revisions": db.session.scalar(select(func.count()).select_from(Revision)),
        "outbox": db.session.scalar(select(func.count()).select_from(OutboxEntry)),
        "ratings": db.session.scalar(select(func.count()).select_from(QualityRating)),
        "old_slugs": sorted(db.session.scalars(select(DatasetSlug.slug))),
    }


def refused(
    client: FlaskClient, method: str, path: str, *, status: int, fields: tuple[str, ...] = (), **kwargs: Any
) -> dict[str, Any]:
    """Make a request that must be refused with `status` as problem+json naming `fields`, and
    check that it changed no stored data; returns the problem document."""
    before = stored_catalogue()
    response = api(client, method, path, status=status, **kwargs)
    body = assert_problem(response, *fields)
    assert stored_catalogue() == before, f"{method} {path} changed stored data although it was refused"
    return body


@contextmanager
def committed_transactions() -> Iterator[list[list[str]]]:
    """Record, for each committed transaction, the class names of the rows it inserted."""
    committed: list[list[str]] = []
    pending: dict[int, list[str]] = {}

    def after_flush(session, context) -> None:
        pending.setdefault(id(session), []).extend(type(o).__name__ for o in session.new)

    def after_commit(session) -> None:
        committed.append(sorted(pending.pop(id(session), [])))

    def after_rollback(session) -> None:
        pending.pop(id(session), None)

    listeners = {"after_flush": after_flush, "after_commit": after_commit, "after_rollback": after_rollback}
    for name, listener in listeners.items():
        event.listen(Session, name, listener)
    try:
        yield committed
    finally:
        for name, listener in listeners.items():
            event.remove(Session, name, listener)
