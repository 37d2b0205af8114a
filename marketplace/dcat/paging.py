"""Which entries a DCAT page holds: the published entries the visitor may list, newest change
first, 100 a page, optionally only those changed since a moment or matching words.

Visibility is the same SQL rule every list uses (`queries.datasets.filtered_select` over
`listable_condition`), so a catalogue page never shows more than the find page would.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from sqlalchemy import func, select

from marketplace.errors import BadRequestError, NotFoundError
from marketplace.extensions import db
from marketplace.models import Dataset
from marketplace.queries.datasets import DatasetFilters, count, filtered_select, listable_condition
from marketplace.rules.actors import Actor
from marketplace.schemas.listing import MAX_QUERY_LENGTH

PER_PAGE = 100
# Far beyond any catalogue we hold; a larger number is a mistake or a probe, refused before SQL.
MAX_PAGE = 1_000_000


@dataclass(frozen=True)
class CataloguePage:
    entries: list[Dataset]
    served: dict[str, list[Dataset]]  # data service slug -> the datasets it serves, as visible
    total: int
    page: int
    last_page: int
    modified: datetime | None  # when the latest entry the visitor may list changed
    per_page: int = PER_PAGE
    # data service id -> the service, for those the entries' distributions name, as visible
    services: dict[str, Dataset] = field(default_factory=dict)


def read_page_params(args: Mapping[str, str]) -> tuple[int, str | None, datetime | None]:
    """`page`, `q` and `modified_since` from the query string; BadRequestError naming each bad one."""
    errors: dict[str, list[str]] = {}
    page = 1
    raw_page = args.get("page")
    if raw_page is not None:
        # ASCII only: int() would take other scripts' digits, which no link of ours sends.
        if not (raw_page.isascii() and raw_page.isdigit()) or len(raw_page) > 7:
            errors["page"] = [f"Must be a whole number from 1 to {MAX_PAGE:,}."]
        else:
            page = int(raw_page)
            if not 1 <= page <= MAX_PAGE:
                errors["page"] = [f"Must be a whole number from 1 to {MAX_PAGE:,}."]
    q = (args.get("q") or "").strip() or None
    if q is not None and (len(q) > MAX_QUERY_LENGTH or "\x00" in q):
        errors["q"] = [f"Must be {MAX_QUERY_LENGTH} characters or fewer, with no NUL."]
    since = None
    if args.get("modified_since"):
        since = _moment(args["modified_since"])
        if since is None:
            errors["modified_since"] = [
                "Must be a date (2025-01-31) or a date and time (2025-01-31T09:00:00Z)."
            ]
    if errors:
        raise BadRequestError("Check the query parameters.", errors)
    return page, q, since


def _moment(text: str) -> datetime | None:
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), time(), tzinfo=UTC)
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def catalogue_page(actor: Actor, *, page: int, q: str | None, since: datetime | None) -> CataloguePage:
    """Page `page` of the entries `actor` may list; NotFoundError past the last page (page 1 of
    an empty catalogue is an empty page)."""
    stmt = filtered_select(actor, DatasetFilters(q=q))
    if since is not None:
        stmt = stmt.where(Dataset.updated_at >= since)
    stmt = stmt.order_by(None).order_by(Dataset.updated_at.desc(), Dataset.id)
    total = count(stmt)
    last_page = max(1, math.ceil(total / PER_PAGE))
    if page > last_page:
        raise NotFoundError(f"There are {last_page} pages; page {page} is past the end.")
    entries = list(db.session.scalars(stmt.limit(PER_PAGE).offset((page - 1) * PER_PAGE)))
    # Of everything visible, not of the words or date asked for: it dates the catalogue itself.
    visible = filtered_select(actor, DatasetFilters()).order_by(None).subquery()
    modified = db.session.scalar(select(func.max(visible.c.updated_at)))
    if modified is not None and modified.tzinfo is None:  # SQLite returns the aggregate naive
        modified = modified.replace(tzinfo=UTC)
    return CataloguePage(
        entries,
        served_datasets(actor, entries),
        total,
        page,
        last_page,
        modified,
        services=access_services(actor, entries),
    )


def served_datasets(actor: Actor, entries: Iterable[Dataset]) -> dict[str, list[Dataset]]:
    """For each data service among `entries`, the datasets it serves that `actor` may list: one
    the visitor cannot see is left out rather than named."""
    services = [entry for entry in entries if entry.type == "data_service" and entry.serves_datasets]
    slugs = {slug for service in services for slug in service.serves_datasets}
    if not slugs:
        return {}
    visible = db.session.scalars(
        select(Dataset).where(Dataset.slug.in_(slugs), listable_condition(actor, ["published"]))
    )
    by_slug = {dataset.slug: dataset for dataset in visible if dataset.type == "dataset"}
    return {
        service.slug: [by_slug[slug] for slug in service.serves_datasets if slug in by_slug]
        for service in services
    }


def access_services(actor: Actor, entries: Iterable[Dataset]) -> dict[str, Dataset]:
    """The data services that the distributions of `entries` name as giving their data (by id),
    those `actor` may list: one the visitor cannot see is left out rather than named."""
    ids = {
        service_id
        for entry in entries
        for distribution in entry.distributions
        for service_id in distribution.access_services or []
    }
    if not ids:
        return {}
    visible = db.session.scalars(
        select(Dataset).where(
            Dataset.id.in_([uuid.UUID(service_id) for service_id in ids]),
            Dataset.type == "data_service",
            listable_condition(actor, ["published"]),
        )
    )
    return {str(service.id): service for service in visible}
