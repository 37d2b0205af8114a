"""Pruning (services/pruning.py): what has expired goes, what anything may still need or show stays,
and runs at once on one PostgreSQL delete each row once."""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from marketplace.extensions import db
from marketplace.models import (
    ApiClientAssertion,
    ApiClientToken,
    ApiToken,
    IdempotencyKey,
    MailMessage,
    Organisation,
    OutboxEntry,
    SeenLogoutToken,
    User,
    UserSession,
)
from marketplace.models.types import utcnow
from marketplace.search.indexing import outbox_horizon
from marketplace.services.api_clients import create_client
from marketplace.services.mail import queue_message
from marketplace.services.pruning import KIND_NAMES, PruningError, kinds, prune
from tests.conftest import make_app
from tests.factories import ADMIN, create_dataset, create_organisation, create_token, create_user

DAY = timedelta(days=1)


@dataclass
class Person:
    id: uuid.UUID
    user: User
    organisation: Organisation


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _deleted(outcomes) -> dict[str, int]:
    return {outcome.name: outcome.deleted for outcome in outcomes}


def _session(user, *, expires_at: datetime, ended_at: datetime | None = None) -> UserSession:
    row = UserSession(
        user=user.user,
        secret_hash=uuid.uuid4().hex * 2,
        created_at=expires_at - timedelta(hours=12),
        last_seen_at=expires_at - timedelta(hours=12),
        expires_at=expires_at,
        ended_at=ended_at,
        end_reason="signed-out" if ended_at else None,
    )
    db.session.add(row)
    return row


def _mail(status: str, *, sent_at: datetime | None = None, created_at: datetime | None = None) -> MailMessage:
    message = queue_message(to="pat@dft.gov.uk", subject=status, body="Hello\n", kind="test")
    db.session.flush()
    db.session.execute(
        update(MailMessage)
        .where(MailMessage.id == message.id)
        .values(status=status, sent_at=sent_at, created_at=created_at or utcnow())
    )
    return message


def _age_outbox(days: float, *, up_to: int | None = None) -> None:
    """Make outbox rows (up to id `up_to`) look `days` old."""
    rows = update(OutboxEntry).values(created_at=utcnow() - timedelta(days=days))
    if up_to is not None:
        rows = rows.where(OutboxEntry.id <= up_to)
    db.session.execute(rows)
    db.session.commit()


@pytest.fixture
def person():
    organisation = create_organisation()
    user = create_user(email="pat@dft.gov.uk", organisation=organisation, roles=("publisher", "org_admin"))
    return Person(user.id, user, organisation)


def test_each_kind_deletes_what_has_expired_and_keeps_the_rest(app, person):
    now = utcnow()
    client, _ = create_client(ADMIN, person.organisation.slug, name="nightly", scopes="discover")
    # Sessions: kept for 90 days after they stopped working, however they ended.
    gone_sessions = [
        _session(person, expires_at=now - 100 * DAY),
        _session(person, expires_at=now - 100 * DAY, ended_at=now - 101 * DAY),
    ]
    kept_sessions = [
        _session(person, expires_at=now + DAY),  # open
        _session(person, expires_at=now - 10 * DAY, ended_at=now - 10 * DAY),
        # Ended long ago by sign-out, but its absolute expiry is recent: kept until that is old too.
        _session(person, expires_at=now - 80 * DAY, ended_at=now - 100 * DAY),
    ]
    db.session.add_all(
        [
            SeenLogoutToken(jti="spent", expires_at=now - timedelta(seconds=1)),
            SeenLogoutToken(jti="live", expires_at=now + timedelta(minutes=3)),
            ApiClientAssertion(client_id=client.id, jti="spent", expires_at=now - timedelta(seconds=1)),
            ApiClientAssertion(client_id=client.id, jti="live", expires_at=now + timedelta(minutes=5)),
            ApiClientToken(client=client, token_hash="a" * 64, scopes="discover", expires_at=now - 2 * DAY),
            # Expired an hour ago: kept a day, so its holder hears "expired", not "not recognised".
            ApiClientToken(
                client=client, token_hash="b" * 64, scopes="discover", expires_at=now - timedelta(hours=1)
            ),
        ]
    )
    for key, age in (("old", timedelta(hours=25)), ("new", timedelta(hours=23))):
        db.session.add(
            IdempotencyKey(
                user_id=person.id, key=key, method="POST", path="/api/v1/datasets", body_sha256="0" * 64,
                status=201, created_at=now - age,
            )
        )  # fmt: skip
    old_sent = _mail("sent", sent_at=now - 91 * DAY)
    kept_mail = [
        _mail("sent", sent_at=now - 89 * DAY),
        _mail("failed", created_at=now - 400 * DAY),
        _mail("pending", created_at=now - 400 * DAY),
        _mail("sending", created_at=now - 400 * DAY),
    ]
    db.session.commit()
    gone_session_ids = {row.id for row in gone_sessions}
    kept_session_ids = {row.id for row in kept_sessions}
    kept_mail_ids = {message.id for message in kept_mail}
    old_sent_id = old_sent.id
    create_dataset(organisation=person.organisation)
    create_dataset(organisation=person.organisation)
    first, second = db.session.scalars(select(OutboxEntry.id).order_by(OutboxEntry.id)).all()
    _age_outbox(8, up_to=first)

    outcomes = prune()

    assert [outcome.name for outcome in outcomes] == list(KIND_NAMES)
    assert _deleted(outcomes) == {
        "user_sessions": 2,
        "seen_logout_tokens": 1,
        "api_client_assertions": 1,
        "api_client_tokens": 1,
        "idempotency_keys": 1,
        "mail_messages": 1,
        "search_log": 0,
        "outbox": 1,
    }
    db.session.expire_all()
    assert set(db.session.scalars(select(UserSession.id))) == kept_session_ids
    assert not gone_session_ids & set(db.session.scalars(select(UserSession.id)))
    assert list(db.session.scalars(select(SeenLogoutToken.jti))) == ["live"]
    assert list(db.session.scalars(select(ApiClientAssertion.jti))) == ["live"]
    assert list(db.session.scalars(select(ApiClientToken.token_hash))) == ["b" * 64]
    assert list(db.session.scalars(select(IdempotencyKey.key))) == ["new"]
    assert set(db.session.scalars(select(MailMessage.id))) == kept_mail_ids
    assert old_sent_id not in set(db.session.scalars(select(MailMessage.id)))
    assert list(db.session.scalars(select(OutboxEntry.id))) == [second]
    assert outcomes[-1].horizon == first == outbox_horizon()


def test_personal_api_tokens_are_kept_however_long_ago_they_expired_or_were_revoked(app, person):
    """The account page and `tokens list` show every token a person had: that record is kept."""
    create_token(user=person.user, expires_days=1)
    create_token(user=person.user)
    db.session.execute(
        update(ApiToken).values(expires_at=utcnow() - 3000 * DAY, revoked_at=utcnow() - 3000 * DAY)
    )
    db.session.commit()
    prune()
    assert _count(ApiToken) == 2


def test_a_dry_run_counts_what_would_go_and_deletes_nothing(app, person):
    create_dataset(organisation=person.organisation)
    create_dataset(organisation=person.organisation)
    _age_outbox(30)
    highest = db.session.scalar(select(func.max(OutboxEntry.id))) - 1  # the newest row is always kept
    db.session.add(SeenLogoutToken(jti="spent", expires_at=utcnow() - DAY))
    db.session.commit()

    outcomes = {outcome.name: outcome for outcome in prune(dry_run=True)}

    assert outcomes["seen_logout_tokens"].deleted == 1
    assert outcomes["outbox"].deleted == 1 and outcomes["outbox"].horizon == highest
    assert _count(SeenLogoutToken) == 1 and _count(OutboxEntry) == 2
    assert outbox_horizon() == 0, "a dry run records no horizon"


def test_rows_are_deleted_in_batches_until_none_is_left(app):
    now = utcnow()
    db.session.add_all(SeenLogoutToken(jti=f"jti-{n}", expires_at=now - DAY) for n in range(25))
    db.session.commit()
    assert _deleted(prune(only=("seen_logout_tokens",), batch_size=4)) == {"seen_logout_tokens": 25}
    assert _count(SeenLogoutToken) == 0
    assert _deleted(prune(only=("seen_logout_tokens",), batch_size=4)) == {"seen_logout_tokens": 0}


def test_the_outbox_horizon_only_ever_rises(app, person):
    for _ in range(3):
        create_dataset(organisation=person.organisation)
    ids = db.session.scalars(select(OutboxEntry.id).order_by(OutboxEntry.id)).all()
    _age_outbox(8, up_to=ids[1])
    prune(only=("outbox",), batch_size=1)
    assert outbox_horizon() == ids[1]
    # A row older than the retention window but below the horizon (rare: hosts' clocks differ)
    # is deleted without lowering it.
    db.session.add(
        OutboxEntry(id=ids[0], dataset_id=db.session.get(OutboxEntry, ids[2]).dataset_id, change="upsert")
    )
    db.session.commit()
    _age_outbox(8, up_to=ids[0])
    assert _deleted(prune(only=("outbox",))) == {"outbox": 1}
    assert outbox_horizon() == ids[1]


def test_the_newest_outbox_row_is_kept_however_old(app, person):
    """SQLite gives a new row the highest id left plus one: were the newest row deleted, its id would
    be handed out again, below every host's position, and the change never indexed."""
    create_dataset(organisation=person.organisation)
    newest = db.session.scalar(select(func.max(OutboxEntry.id)))
    _age_outbox(300)
    assert _deleted(prune(only=("outbox",))) == {"outbox": 0}
    create_dataset(organisation=person.organisation)
    assert db.session.scalar(select(func.max(OutboxEntry.id))) == newest + 1


@pytest.mark.parametrize("key", ["PRUNE_OUTBOX_DAYS", "MAIL_RETENTION_DAYS", "SESSION_RETENTION_DAYS"])
@pytest.mark.parametrize("value", [0, -3, "7"])
def test_a_retention_that_is_not_a_whole_number_of_days_is_refused_before_anything_is_deleted(
    app, person, key, value
):
    create_dataset(organisation=person.organisation)
    _age_outbox(30)
    app.config[key] = value
    with pytest.raises(PruningError, match=key):
        prune()
    assert _count(OutboxEntry) == 1


def test_the_kind_names_offered_are_the_kinds_pruned(app):
    assert [kind.name for kind in kinds()] == list(KIND_NAMES)


def test_two_runs_at_once_delete_each_row_once_and_fail_nothing(
    app, person, database_kind, database_url, tmp_path
):
    if database_kind != "postgresql":
        pytest.skip("runs on several hosts share PostgreSQL (run with --db postgresql)")
    now = utcnow()
    expired = 600
    db.session.add_all(SeenLogoutToken(jti=f"jti-{n}", expires_at=now - DAY) for n in range(expired))
    db.session.add_all(
        IdempotencyKey(
            user_id=person.id,
            key=f"key-{n}",
            method="POST",
            path="/x",
            body_sha256="0" * 64,
            created_at=now - 2 * DAY,
        )
        for n in range(expired)
    )
    db.session.commit()
    for _ in range(20):
        create_dataset(organisation=person.organisation)
    _age_outbox(8)
    highest = db.session.scalar(select(func.max(OutboxEntry.id)))
    start = threading.Barrier(2)
    problems: list[BaseException] = []
    deleted_by: dict[int, dict[str, int]] = {}

    # Made here, not in the threads: CPython 3.11's ast.parse (which Werkzeug uses to compile each
    # URL rule) is not safe in two threads at once ("AST constructor recursion depth mismatch").
    apps = {number: make_app(database_url, tmp_path / f"host{number}") for number in (1, 2)}

    def run(number: int) -> None:
        other = apps[number]
        with other.app_context():
            try:
                db.session.execute(select(1))  # connected before the start, so both start at once
                start.wait(timeout=10)
                deleted_by[number] = _deleted(prune(batch_size=7))
            except BaseException as error:  # reported by the test, not lost in the thread
                problems.append(error)
            finally:
                db.session.remove()
                db.engine.dispose()

    threads = [threading.Thread(target=run, args=(number,)) for number in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not problems, problems
    totals = {name: sum(counts[name] for counts in deleted_by.values()) for name in KIND_NAMES}
    assert totals["seen_logout_tokens"] == expired
    assert totals["idempotency_keys"] == expired
    assert totals["outbox"] == 19  # all but the newest
    db.session.expire_all()
    assert _count(SeenLogoutToken) == _count(IdempotencyKey) == 0
    assert list(db.session.scalars(select(OutboxEntry.id))) == [highest]
    assert outbox_horizon() == highest - 1
