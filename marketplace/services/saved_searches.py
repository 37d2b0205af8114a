"""Saved searches: the rules for saving, listing, changing and deleting a user's searches, and
what is new for one since a time, found by the search service as that user (so never an entry
they may not see)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from marshmallow import ValidationError as SchemaValidationError
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from marketplace.errors import BadRequestError, NotFoundError, PermissionDeniedError, ValidationError
from marketplace.extensions import db
from marketplace.models import Dataset, SavedSearch
from marketplace.models.saved_search import ALERT_FREQUENCIES
from marketplace.models.types import utcnow
from marketplace.queries.datasets import listable_condition
from marketplace.rules.actors import Actor
from marketplace.schemas.listing import MAX_PARAMETERS, MAX_RESULT_WINDOW, load_list_params
from marketplace.services.finding import find_dataset_ids

MAX_SAVED_SEARCHES = 50
MAX_NAME_LENGTH = 100
# The parameters a saved search keeps: which page was showing is not part of the search.
NOT_KEPT = frozenset({"page", "per_page", "cursor"})
# The matches are read from the index this many at a time.
PAGE_SIZE = 100


def _user_of(actor: Actor):
    if actor.user is None:
        raise PermissionDeniedError("Sign in to save searches.")
    return actor.user


def kept_pairs(pairs: list[tuple[str, str]]) -> list[list[str]]:
    # No more than the find page itself would take (it refuses a search with more).
    kept = [[key, value] for key, value in pairs if key not in NOT_KEPT and value]
    return kept[:MAX_PARAMETERS]


def save_search(actor: Actor, *, name: str, alert: str, pairs: list[tuple[str, str]]) -> SavedSearch:
    """Save the search given by the find page's query pairs, and commit."""
    user = _user_of(actor)
    name = (name or "").strip()
    errors = _name_errors(user.id, name) | _alert_errors(alert)
    count = db.session.scalar(
        select(func.count()).select_from(SavedSearch).where(SavedSearch.user_id == user.id)
    )
    if count >= MAX_SAVED_SEARCHES:
        errors.setdefault("name", []).append(
            f"You have {MAX_SAVED_SEARCHES} saved searches, the most you can keep. "
            "Delete one before saving another."
        )
    if errors:
        raise ValidationError(errors)
    saved = SavedSearch(user_id=user.id, name=name, params={"pairs": kept_pairs(pairs)}, alert=alert)
    db.session.add(saved)
    db.session.commit()
    return saved


def _name_errors(user_id: uuid.UUID, name: str) -> dict[str, list[str]]:
    if not name:
        return {"name": ["Enter a name for this search."]}
    if len(name) > MAX_NAME_LENGTH:
        return {"name": [f"The name must be {MAX_NAME_LENGTH} characters or fewer."]}
    taken = db.session.scalar(
        select(SavedSearch.id).where(SavedSearch.user_id == user_id, SavedSearch.name == name)
    )
    if taken:
        return {"name": ["You already have a saved search with this name. Choose another."]}
    return {}


def _alert_errors(alert: str) -> dict[str, list[str]]:
    if alert not in ALERT_FREQUENCIES:
        return {"alert": ["Choose no alert, a daily e-mail or a weekly e-mail."]}
    return {}


def list_saved_searches(actor: Actor) -> list[tuple[SavedSearch, int]]:
    """The user's saved searches by name, each with the count of entries first published since
    they last viewed it."""
    user = _user_of(actor)
    rows = db.session.scalars(
        select(SavedSearch).where(SavedSearch.user_id == user.id).order_by(SavedSearch.name)
    ).all()
    return [(saved, len(new_matches(actor, saved, saved.last_viewed_at, published=True))) for saved in rows]


def get_saved_search(actor: Actor, saved_id: str | uuid.UUID) -> SavedSearch:
    """One of the actor's own saved searches; NotFoundError for anyone else's (no telling which)."""
    user = _user_of(actor)
    try:
        key = saved_id if isinstance(saved_id, uuid.UUID) else uuid.UUID(str(saved_id))
    except ValueError:
        raise NotFoundError("There is no such saved search.") from None
    saved = db.session.get(SavedSearch, key)
    if saved is None or saved.user_id != user.id:
        raise NotFoundError("There is no such saved search.")
    return saved


def mark_viewed(actor: Actor, saved_id: str) -> SavedSearch:
    """Note that its owner has now seen what is new (a rerun), and commit."""
    saved = get_saved_search(actor, saved_id)
    saved.last_viewed_at = utcnow()
    db.session.commit()
    return saved


def change_alert(actor: Actor, saved_id: str, alert: str) -> SavedSearch:
    """Set how often the search's alert is sent (none, daily, weekly), and commit."""
    saved = get_saved_search(actor, saved_id)
    errors = _alert_errors(alert)
    if errors:
        raise ValidationError(errors)
    if saved.alert == "none" and alert != "none":
        # Alerts start from now, not with everything since the search was saved.
        saved.last_alert_at = utcnow()
    saved.alert = alert
    db.session.commit()
    return saved


def delete_saved_search(actor: Actor, saved_id: str) -> None:
    """Delete one of the actor's saved searches, and commit."""
    db.session.delete(get_saved_search(actor, saved_id))
    db.session.commit()


def search_params(saved: SavedSearch) -> dict[str, Any] | None:
    """The saved parameters checked as the find page checks them; None if no longer valid."""
    pairs = [(key, value) for key, value in saved.params.get("pairs", [])]
    try:
        params = load_list_params(MultiDict(pairs))
    except SchemaValidationError:
        return None
    return params


def new_matches(actor: Actor, saved: SavedSearch, since: datetime, *, published: bool) -> list[Dataset]:
    """Entries matching `saved` that `actor` may see and that were first published (published) or
    changed at all (not published) after `since`, most recently changed first.

    The index gives the matching ids a page at a time, as the find page would for `actor`; the
    database then keeps those changed since `since`, checking visibility again in its own
    condition. The index orders by the publisher's `modified` date, not by when the record
    changed here, so every page is read (up to the find page's own result window).
    """
    params = search_params(saved)
    if params is None:
        return []
    changed_at = Dataset.published_at if published else Dataset.updated_at
    statuses = params.get("status") or ["published"]
    found: list[Dataset] = []
    for number in range(1, MAX_RESULT_WINDOW // PAGE_SIZE + 1):
        try:
            page = {"page": number, "per_page": PAGE_SIZE, "sort": "updated"}
            ids = find_dataset_ids(actor, {**params, **page})
        except BadRequestError:
            # A filter that no longer names anything this user may use: nothing matches.
            return []
        if ids:
            found += db.session.scalars(
                select(Dataset).where(
                    Dataset.id.in_(ids), changed_at > since, listable_condition(actor, statuses)
                )
            ).all()
        if len(ids) < PAGE_SIZE:
            break
    return sorted(found, key=lambda d: d.updated_at, reverse=True)
