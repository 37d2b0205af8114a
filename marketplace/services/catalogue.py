"""Reading the catalogue: lists of entries and an entry's history, each as the caller may see it."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import current_app
from sqlalchemy import case, func, select

from marketplace.errors import BadRequestError
from marketplace.extensions import db
from marketplace.models import Dataset, Distribution, Organisation, OutboxEntry, Revision
from marketplace.queries.datasets import (
    DatasetFilters,
    count,
    count_shared_within_government,
    filtered_select,
    freshness_condition,
    listable_condition,
)
from marketplace.rules.actors import Actor
from marketplace.rules.permissions import can_see_editors
from marketplace.schemas.listing import MULTI_VALUED
from marketplace.services.datasets import resolve_dataset
from marketplace.vocabularies.formats import find_format


@dataclass
class Page:
    items: list[Any]
    total: int
    page: int
    per_page: int
    # Set when the search index answered (services/finding.py); None from the database alone.
    facets: dict[str, list[dict[str, Any]]] | None = None
    suggestion: str | None = None
    highlights: dict[Any, dict[str, str]] | None = None
    # What else was searched for, from the thesaurus: [{"typed": "A&E", "including": [...]}].
    expanded: list[dict[str, Any]] | None = None
    # False when no entry held every word: these hold most of them (search/engine.py).
    all_words: bool = True


def more_when_signed_in(actor: Actor, organisation: Organisation | None = None) -> int | None:
    """How many more published entries (of `organisation`, or in all) `actor` would see after
    signing in; None for someone already signed in. The find pages say so to signed-out
    visitors, who otherwise cannot tell that most of the catalogue is shared within government."""
    if actor.is_authenticated:
        return None
    return _shared_count(organisation.id if organisation else None)


# Counting them reads every published entry (70 ms at 100,000 on PostgreSQL: the largest part of
# a find page for someone signed out), yet the number moves only when an entry changes, and every
# change writes an outbox row in its own transaction. So each app keeps the count beside the
# newest outbox id it saw, and counts again when that id moves, or after a minute: a transaction
# that took its id before another's can commit after it, leaving the newest id where it was.
SHARED_COUNT_SECONDS = 60.0


def _shared_count(organisation_id: Any) -> int:
    kept: dict = current_app.extensions.setdefault("marketplace.shared_counts", {})
    newest = db.session.scalar(select(func.max(OutboxEntry.id)))
    now = time.monotonic()
    known = kept.get(organisation_id)
    if known is not None and known[0] == newest and now - known[1] < SHARED_COUNT_SECONDS:
        return known[2]
    number = count_shared_within_government(organisation_id)
    kept[organisation_id] = (newest, now, number)
    return number


def check_filters(actor: Actor, params: dict[str, Any]) -> None:
    """Refuse filter values that name nothing, as the API and the find pages both do: an
    organisation must exist, and a format must be one we list or one that an entry `actor`
    may see is in. (Other filters take only their vocabulary's terms, which the schema checks.)
    Asking about formats the caller cannot see would tell them what hidden entries hold."""
    errors: dict[str, list[str]] = {}
    if params.get("organisation"):
        slugs = params["organisation"]
        known = set(db.session.scalars(select(Organisation.slug).where(Organisation.slug.in_(slugs))))
        unknown = [slug for slug in slugs if slug not in known]
        if unknown:
            errors["organisation"] = [f"There is no organisation called {', '.join(unknown)}."]
    unlisted = {value.upper(): value for value in params.get("format") or [] if find_format(value) is None}
    if unlisted:
        # Formats are stored in upper case (schemas/dataset.py), so the column's index answers.
        visible = select(Dataset.id).where(listable_condition(actor, params.get("status") or ["published"]))
        found = set(
            db.session.scalars(
                select(Distribution.format)
                .where(Distribution.format.in_(list(unlisted)), Distribution.dataset_id.in_(visible))
                .distinct()
            )
        )
        unknown = [value for upper, value in unlisted.items() if upper not in found]
        if unknown:
            errors["format"] = [f"There are no entries in the format {', '.join(unknown)}."]
    if errors:
        raise BadRequestError("Check the query parameters.", errors)


def list_datasets_from_database(actor: Actor, params: dict[str, Any]) -> Page:
    """Entries matching the checked list parameters, from the database alone (when the search
    index is unavailable): `q` is a plain word match, and there are no facets."""
    check_filters(actor, params)
    filters = DatasetFilters(
        q=params.get("q"),
        sort=params.get("sort"),
        **{name: params[name] for name in MULTI_VALUED if params.get(name)},
    )
    stmt = filtered_select(actor, filters)
    page, per_page = params["page"], params["per_page"]
    items = list(db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)))
    return Page(items=items, total=count(stmt), page=page, per_page=per_page)


def list_publishing_entries(actor: Actor, *, page: int, per_page: int, today: date) -> Page:
    """The entries of the organisations `actor` publishes for (every organisation for a site
    admin), drafts and withdrawn entries included: the publish dashboard. Entries overdue for
    an update on `today` come first, then those due, then the rest; most recently changed
    first within each."""
    stmt = filtered_select(actor, DatasetFilters(status=["draft", "published", "withdrawn"]))
    if not actor.is_site_admin:
        stmt = stmt.where(Dataset.organisation_id.in_(actor.publishing_organisation_ids()))
    urgency = case(
        (freshness_condition("overdue", today), 0), (freshness_condition("due", today), 1), else_=2
    )
    stmt = stmt.order_by(None).order_by(urgency, Dataset.updated_at.desc(), Dataset.id)
    items = list(db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)))
    return Page(items=items, total=count(stmt), page=page, per_page=per_page)


@dataclass
class History:
    dataset: Dataset
    page: Page
    show_editors: bool  # whether the caller may see who made each change, or only the organisation
    moved: bool  # the entry was named by an old slug


def list_revisions(actor: Actor, reference: str, page: int, per_page: int) -> History:
    """An entry's changes, newest first."""
    dataset, moved = resolve_dataset(actor, reference)
    stmt = select(Revision).where(Revision.dataset_id == dataset.id)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    items = list(
        db.session.scalars(stmt.order_by(Revision.id.desc()).limit(per_page).offset((page - 1) * per_page))
    )
    return History(dataset, Page(items, total, page, per_page), can_see_editors(actor, dataset), moved)
