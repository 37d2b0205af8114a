"""Pruning: deleting rows whose use has passed, so that no table grows without end.

The rule, for every kind: a row is deleted only once nothing can need it again, and never a row
that a page, the API or an audit still shows. Deletes run in bounded batches, each a short
transaction of its own, so no lock is held for long and a run stopped half-way has lost nothing.
Runs from cron on several hosts at once are safe: each batch is one DELETE whose condition is
checked again as it deletes, so a row is deleted once whoever gets there first; on PostgreSQL the
batch is chosen with SKIP LOCKED, so two runs share the work rather than wait for each other.

The search outbox is the delicate kind: each host's index keeps its own position in it (the
highest id applied). Rows are kept for PRUNE_OUTBOX_DAYS, far longer than any running host lags,
and the highest id deleted is recorded (the horizon, models/prune_horizon.py) in the same
transaction as the delete; a host whose position is below it has been away longer than that and
is rebuilt instead of caught up (search/indexing.py).

Kept, and why (not pruned here): personal API tokens, which the account page and `tokens list`
show in full, revoked and expired ones included, as the record the privacy notice describes;
revisions, role changes and access request events (the history pages and audit); harvest runs and
problems (each source's page); feedback (read by site admins); link checks (one row a URL,
overwritten by each check); old slugs (they redirect).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import ColumnElement, and_, delete, func, or_, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite

from marketplace.extensions import db
from marketplace.models import (
    ApiClientAssertion,
    ApiClientToken,
    IdempotencyKey,
    MailMessage,
    OutboxEntry,
    PruneHorizon,
    SearchLog,
    SeenLogoutToken,
    UserSession,
)
from marketplace.models.types import utcnow
from marketplace.search.indexing import OUTBOX_HORIZON, outbox_horizon

DEFAULT_BATCH_SIZE = 1000
MAX_BATCH_SIZE = 10_000
OUTBOX = "outbox"  # the kind, named for its table
# A machine client's expired token is kept a day, as services/api_clients.py's own sweep keeps it,
# so that a client using one hears "expired" rather than "not recognised".
CLIENT_TOKEN_GRACE = timedelta(days=1)
# Defaults for the retention settings (config keys of the same names).
DEFAULTS = {
    "SESSION_RETENTION_DAYS": 90,
    "MAIL_RETENTION_DAYS": 90,
    "PRUNE_OUTBOX_DAYS": 7,
    "SEARCH_LOG_RETENTION_DAYS": 90,
}


class PruningError(ValueError):
    """A retention setting that would delete what is still needed."""


@dataclass(frozen=True)
class Kind:
    """One kind of row to prune: its table, and which of its rows are past their use at `now`."""

    name: str
    model: Any
    expired: Callable[[datetime], ColumnElement[bool]]
    rule: str  # said in the command's output

    @property
    def keys(self) -> list:
        return list(self.model.__table__.primary_key.columns)


@dataclass
class Outcome:
    name: str
    deleted: int
    rule: str
    horizon: int | None = None  # the outbox only: the highest id deleted so far, by any run


def _retention_days(key: str) -> int:
    value = current_app.config.get(key, DEFAULTS[key])
    if not isinstance(value, int) or value < 1:
        raise PruningError(f"{key} must be a whole number of days, at least 1, not {value!r}")
    return value


def kinds() -> list[Kind]:
    """Every kind pruned, with the rules read from the configuration now."""
    sessions = timedelta(days=_retention_days("SESSION_RETENTION_DAYS"))
    mail = timedelta(days=_retention_days("MAIL_RETENTION_DAYS"))
    outbox = timedelta(days=_retention_days("PRUNE_OUTBOX_DAYS"))
    searches = timedelta(days=_retention_days("SEARCH_LOG_RETENTION_DAYS"))
    idempotency = timedelta(hours=current_app.config["IDEMPOTENCY_TTL_HOURS"])
    return [
        Kind(
            "user_sessions",
            UserSession,
            # Both times past: a session ended early is kept as long as one that ran to its end.
            lambda now: and_(
                UserSession.expires_at < now - sessions,
                or_(UserSession.ended_at.is_(None), UserSession.ended_at < now - sessions),
            ),
            f"ended or expired more than {sessions.days} days ago",
        ),
        Kind(
            "seen_logout_tokens",
            SeenLogoutToken,
            lambda now: SeenLogoutToken.expires_at < now,
            "back-channel logout token ids past the time a replay could be accepted",
        ),
        Kind(
            "api_client_assertions",
            ApiClientAssertion,
            lambda now: ApiClientAssertion.expires_at < now,
            "client assertion ids past the time a replay could be accepted",
        ),
        Kind(
            "api_client_tokens",
            ApiClientToken,
            lambda now: ApiClientToken.expires_at < now - CLIENT_TOKEN_GRACE,
            "machine clients' access tokens expired more than a day ago",
        ),
        Kind(
            "idempotency_keys",
            IdempotencyKey,
            # Exactly when services/idempotency.py forgets a key: a retry after this runs again.
            lambda now: IdempotencyKey.created_at <= now - idempotency,
            f"idempotency keys older than {idempotency.total_seconds() / 3600:g} hours",
        ),
        Kind(
            "mail_messages",
            MailMessage,
            # Pending, sending and failed messages are never deleted: they are still to do or to see.
            lambda now: and_(MailMessage.status == "sent", MailMessage.sent_at < now - mail),
            f"sent e-mail older than {mail.days} days",
        ),
        Kind(
            "search_log",
            SearchLog,
            # Its clicks go with it: search_clicks.search_id cascades on delete.
            lambda now: SearchLog.searched_at < now - searches,
            f"logged searches (and their clicks) older than {searches.days} days",
        ),
        Kind(
            OUTBOX,
            OutboxEntry,
            # Never the newest row: SQLite gives a new row the highest id left plus one, and an id
            # handed out again would be below every host's position, so never applied.
            lambda now: and_(OutboxEntry.created_at < now - outbox, OutboxEntry.id < _newest_outbox_id()),
            f"search outbox rows older than {outbox.days} days, but the newest",
        ),
    ]


KIND_NAMES = (
    "user_sessions",
    "seen_logout_tokens",
    "api_client_assertions",
    "api_client_tokens",
    "idempotency_keys",
    "mail_messages",
    "search_log",
    OUTBOX,
)


def prune(
    *,
    only: tuple[str, ...] = (),
    dry_run: bool = False,
    batch_size: int = DEFAULT_BATCH_SIZE,
    report: Callable[[Outcome], None] | None = None,
) -> list[Outcome]:
    """Delete every expired row of each kind (of `only`, if given); the count deleted by this run
    for each. With `dry_run`, count what would be deleted and delete nothing.

    Raises PruningError for a retention setting below one day, before deleting anything.
    """
    if not 1 <= batch_size <= MAX_BATCH_SIZE:
        raise PruningError(f"The batch size must be 1 to {MAX_BATCH_SIZE}, not {batch_size}")
    outcomes = []
    for kind in kinds():
        if only and kind.name not in only:
            continue
        now = utcnow()
        if dry_run:
            deleted = db.session.scalar(select(func.count()).select_from(kind.model).where(kind.expired(now)))
        else:
            deleted = _delete_in_batches(kind, now, batch_size)
        db.session.commit()
        outcome = Outcome(kind.name, deleted or 0, kind.rule)
        if kind.name == OUTBOX:
            outcome.horizon = _would_reach(now, kind) if dry_run else outbox_horizon()
        outcomes.append(outcome)
        if report:
            report(outcome)
    return outcomes


def _delete_in_batches(kind: Kind, now: datetime, batch_size: int) -> int:
    total = 0
    while True:
        deleted = _delete_batch(kind, now, batch_size)
        total += len(deleted)
        if len(deleted) < batch_size:
            # Fewer than a batch: the rest were deleted, or are being deleted by another run.
            return total


def _delete_batch(kind: Kind, now: datetime, batch_size: int) -> list:
    """One batch, one transaction: choose up to `batch_size` expired rows and delete them."""
    keys = kind.keys
    # Oldest first where the id says which is older; elsewhere (random ids) in whatever order
    # the database finds them cheapest, by an index on the expiry or the first rows of a scan.
    oldest_first = keys if len(keys) == 1 and keys[0].type.python_type is int else []
    # Chosen once, in a CTE (as services/mail.py claims): PostgreSQL could otherwise run an
    # IN (subquery) again for each row, each time skipping the rows the last time locked.
    candidates = (
        select(*keys)
        .where(kind.expired(now))
        .order_by(*oldest_first)
        .limit(batch_size)
        .with_for_update(skip_locked=True)
        .cte("candidates")
        .prefix_with("MATERIALIZED", dialect="postgresql")
    )
    chosen = (
        keys[0].in_(select(candidates.c[keys[0].key]))
        if len(keys) == 1
        else tuple_(*keys).in_(select(*(candidates.c[key.key] for key in keys)))
    )
    # The condition again, in the DELETE itself: a row changed since it was chosen (a key taken
    # over, a message sent again) is left alone.
    statement = delete(kind.model).where(chosen, kind.expired(now)).returning(*keys)
    try:
        deleted = db.session.execute(statement.execution_options(synchronize_session=False)).all()
        if kind.name == OUTBOX and deleted:
            # Before the commit that deletes them: no reader sees the rows gone before the horizon.
            _raise_horizon(OUTBOX_HORIZON, max(row[0] for row in deleted))
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return deleted


def _raise_horizon(name: str, through: int) -> None:
    """Record that rows up to `through` may be gone; never lowers it (runs at once may race)."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    greatest = func.greatest if dialect == "postgresql" else func.max  # SQLite's max(a, b) is scalar
    statement = insert(PruneHorizon).values(name=name, pruned_through=through, updated_at=utcnow())
    excluded = statement.excluded
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=[PruneHorizon.name],
            set_={
                "pruned_through": greatest(PruneHorizon.pruned_through, excluded.pruned_through),
                "updated_at": excluded.updated_at,
            },
        )
    )


def _newest_outbox_id():
    return select(func.max(OutboxEntry.id)).scalar_subquery()


def _would_reach(now: datetime, kind: Kind) -> int:
    highest = db.session.scalar(select(func.max(OutboxEntry.id)).where(kind.expired(now)))
    return max(highest or 0, outbox_horizon())
