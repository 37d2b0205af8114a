"""Alert digests for saved searches, sent through the mail outbox.

Each due search is handled in a transaction of its own: claim the row, find what is new as its
owner, queue the digest and advance `last_alert_at`, commit. The digest and the record that it
was sent commit together, so none is lost or sent twice. The claim is an UPDATE whose condition
repeats "due and not claimed", and its row lock is held until the digest commits: on PostgreSQL
a second host reaching the same row waits, then finds it no longer due and moves on; SQLite runs
one writer at a time, so the second finds the same. A host that dies mid-digest rolls back, and
the search is due again at once.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import and_, or_, select, update

from marketplace.extensions import db
from marketplace.models import Dataset, SavedSearch, User
from marketplace.models.types import utcnow
from marketplace.rules.actors import Actor
from marketplace.services.mail import queue_message
from marketplace.services.saved_searches import new_matches

log = logging.getLogger(__name__)

INTERVALS = {"daily": timedelta(hours=24), "weekly": timedelta(days=7)}
LEASE = timedelta(minutes=5)
MAX_LISTED = 20
UNSUBSCRIBE_SALT = "saved-search-unsubscribe"
# An unsubscribe link keeps working for a long while: people act on old e-mail.
UNSUBSCRIBE_MAX_AGE = timedelta(days=90)


def _due(now: datetime):
    return and_(
        or_(
            *(
                and_(SavedSearch.alert == alert, SavedSearch.last_alert_at <= now - interval)
                for alert, interval in INTERVALS.items()
            )
        ),
        or_(SavedSearch.alert_claimed_until.is_(None), SavedSearch.alert_claimed_until < now),
    )


def send_due_alerts(*, now: datetime | None = None, limit: int = 500) -> dict[str, int]:
    """Queue a digest for each due saved search with something new; counts of what happened."""
    counts = {"due": 0, "queued": 0, "nothing_new": 0}
    now = now or utcnow()
    candidates = db.session.scalars(
        select(SavedSearch.id).where(_due(now)).order_by(SavedSearch.last_alert_at).limit(limit)
    ).all()
    db.session.commit()
    for saved_id in candidates:
        claimed = db.session.execute(
            update(SavedSearch)
            .where(SavedSearch.id == saved_id, _due(now))
            .values(alert_claimed_until=now + LEASE)
            .execution_options(synchronize_session=False)
        ).rowcount
        if not claimed:
            db.session.rollback()
            continue
        counts["due"] += 1
        try:
            queued = _send_one(saved_id, now)
        except Exception:
            db.session.rollback()
            log.exception("Saved search %s: digest failed", saved_id)
            continue
        db.session.commit()
        counts["queued" if queued else "nothing_new"] += 1
    return counts


def _send_one(saved_id, now: datetime) -> bool:
    """In the claim's transaction: queue the digest if there is anything new, and advance."""
    saved = db.session.get(SavedSearch, saved_id, populate_existing=True)
    user = db.session.get(User, saved.user_id, populate_existing=True)
    # The owner's own visibility, as it is now: a role lost since saving is lost here too.
    actor = Actor.for_user(user, "session", {"read"})
    entries = new_matches(actor, saved, saved.last_alert_at, published=False)
    if entries:
        queue_message(
            to=user.email,
            subject=_subject(saved, len(entries)),
            body=digest_body(saved, entries),
            kind="saved_search_alert",
            reference=str(saved.id),
        )
    saved.last_alert_at = now
    saved.alert_claimed_until = None
    return bool(entries)


def _subject(saved: SavedSearch, count: int) -> str:
    entries = "entry" if count == 1 else "entries"
    return f"{count} new or updated {entries} for your saved search “{saved.name}”"


def digest_body(saved: SavedSearch, entries: list[Dataset]) -> str:
    base = current_app.config["BASE_URL"]
    lines = [
        f"New or updated entries matching your saved search “{saved.name}”:",
        "",
    ]
    for dataset in entries[:MAX_LISTED]:
        lines += [dataset.title, f"{base}/datasets/{dataset.slug}", ""]
    if len(entries) > MAX_LISTED:
        lines += [f"and {len(entries) - MAX_LISTED} more.", ""]
    lines += [
        "See this search:",
        f"{base}/account/saved-searches/{saved.id}/run",
        "",
        f"You get this e-mail {saved.alert}. To stop it, follow this link:",
        unsubscribe_url(saved),
    ]
    return "\n".join(lines) + "\n"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT)


def unsubscribe_token(saved: SavedSearch) -> str:
    return _serializer().dumps(str(saved.id))


def unsubscribe_url(saved: SavedSearch) -> str:
    return f"{current_app.config['BASE_URL']}/saved-searches/unsubscribe/{unsubscribe_token(saved)}"


class BadUnsubscribeToken(Exception):
    """A token that was tampered with, has expired, or names no saved search."""


def search_for_token(token: str) -> SavedSearch:
    try:
        saved_id = _serializer().loads(token, max_age=int(UNSUBSCRIBE_MAX_AGE.total_seconds()))
    except BadSignature:
        raise BadUnsubscribeToken from None
    saved = db.session.get(SavedSearch, _uuid(saved_id))
    if saved is None:
        raise BadUnsubscribeToken
    return saved


def _uuid(value):
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise BadUnsubscribeToken from None


def unsubscribe(token: str) -> SavedSearch:
    """Turn the alert off for the search the token names, and commit."""
    saved = search_for_token(token)
    saved.alert = "none"
    db.session.commit()
    return saved
