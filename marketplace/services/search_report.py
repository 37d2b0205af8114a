"""What people search for: the search log's figures over the last 7 or 30 days, for the
/search-report page and its CSV files, so the two always agree.

Three lists, each by query (in lower case, so "NHS" and "nhs" count together; empty queries,
filters only, left out): the most searched, those that found nothing, and those that found something no
one followed. Counted in SQL over `search_log`; a search's click-through is whether any of
its results was followed (`search_clicks`, recorded by the find and organisation pages' result
links). An API search has no links to follow, so it counts towards neither a click-through
rate nor the searches with no clicks.

Who sees what is decided here, for every way in: site admins see everything; an org admin
sees the site-wide lists (a query carries nothing personal) and the searches made on their
own organisations' pages; nobody else sees any of it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, select

from marketplace.errors import AuthenticationError, BadRequestError, PermissionDeniedError
from marketplace.extensions import db
from marketplace.models import Organisation
from marketplace.models.search_log import SearchClick, SearchLog
from marketplace.models.types import utcnow
from marketplace.rules.actors import Actor

PERIODS = (7, 30)
# Searches made where results are links that record a click (not the API).
CLICKABLE_SOURCES = ("page", "organisation")
# Enough for a department to act on; the page and the CSV show the same rows.
LIST_LIMIT = 100
LISTS = {
    "top": "Top searches",
    "no-results": "Searches with no results",
    "no-clicks": "Searches with results but no clicks",
}


@dataclass(frozen=True)
class QueryFigures:
    query: str
    searches: int
    average_results: float
    # The share (0 to 1) of these searches made on a page from which a result was followed;
    # None when every one was made through the API, where there is nothing to click.
    click_through_rate: float | None


@dataclass(frozen=True)
class ClickTotals:
    """Searches with words over the period; of those made on a page, how many found entries,
    and how many of these no one followed."""

    searches: int
    with_results: int
    without_clicks: int

    @property
    def share_without_clicks(self) -> float | None:
        return round(self.without_clicks / self.with_results, 4) if self.with_results else None


@dataclass(frozen=True)
class ReportSection:
    """The three lists over some searches: all of them, or those on one organisation's page."""

    top: list[QueryFigures]
    no_results: list[QueryFigures]
    no_clicks: list[QueryFigures]
    totals: ClickTotals
    organisation: Organisation | None = None

    def rows_of(self, name: str) -> list[QueryFigures]:
        return {"top": self.top, "no-results": self.no_results, "no-clicks": self.no_clicks}[name]


@dataclass(frozen=True)
class SearchReport:
    days: int
    since: datetime
    site: ReportSection
    organisations: list[ReportSection]

    def section(self, organisation_slug: str | None) -> ReportSection | None:
        """The site-wide section, or the one for that organisation if the viewer may see it."""
        if not organisation_slug:
            return self.site
        return next((s for s in self.organisations if s.organisation.slug == organisation_slug), None)


def administered_organisation_ids(actor: Actor) -> set[uuid.UUID]:
    if actor.user is None:
        return set()
    return {m.organisation_id for m in actor.user.memberships if m.role == "org_admin"}


def can_see_search_report(actor: Actor) -> bool:
    """Site admins and org admins: the account page links the report only for them."""
    return actor.is_site_admin or bool(administered_organisation_ids(actor))


def _require_viewer(actor: Actor) -> None:
    if not actor.is_authenticated:
        raise AuthenticationError("Sign in to see what people search for.")
    if not can_see_search_report(actor):
        raise PermissionDeniedError("Only site admins and org admins can see what people search for.")


def check_period(days: Any) -> int:
    """The period in days, 7 or 30; anything else is a bad request naming `days`."""
    try:
        number = int(days)
    except (TypeError, ValueError):
        number = None
    if number not in PERIODS:
        raise BadRequestError(
            "Choose a period of 7 or 30 days.", {"days": ["Choose a period of 7 or 30 days."]}
        )
    return number


def search_report(actor: Actor, days: int, *, now: datetime | None = None) -> SearchReport:
    """The report over the last `days` (7 or 30) days as `actor` may see it: the site-wide lists,
    and a section for each organisation whose page searches they may see (an org admin: their
    own; a site admin: every organisation searched on)."""
    _require_viewer(actor)
    days = check_period(days)
    since = (now or utcnow()) - timedelta(days=days)
    if actor.is_site_admin:
        searched = (
            select(SearchLog.organisation_id)
            .where(SearchLog.searched_at >= since, SearchLog.organisation_id.is_not(None))
            .distinct()
        )
        organisation_ids = set(db.session.scalars(searched))
    else:
        organisation_ids = administered_organisation_ids(actor)
    organisations = db.session.scalars(
        select(Organisation).where(Organisation.id.in_(organisation_ids)).order_by(Organisation.title)
    ).all()
    return SearchReport(
        days=days,
        since=since,
        site=_section(since),
        organisations=[_section(since, organisation) for organisation in organisations],
    )


def _section(since: datetime, organisation: Organisation | None = None) -> ReportSection:
    conditions = [SearchLog.searched_at >= since, SearchLog.query != ""]
    if organisation is not None:
        conditions.append(SearchLog.organisation_id == organisation.id)
    clickable_with_results = [
        *conditions,
        SearchLog.result_count > 0,
        SearchLog.source.in_(CLICKABLE_SOURCES),
    ]
    return ReportSection(
        top=_figures(conditions),
        no_results=_figures([*conditions, SearchLog.result_count == 0]),
        no_clicks=_figures(clickable_with_results, unclicked_only=True),
        totals=_totals(conditions),
        organisation=organisation,
    )


def _clicked():
    """One row per search from which a result was followed, however many were."""
    return select(SearchClick.search_id.label("search_id")).group_by(SearchClick.search_id).subquery()


def _figures(conditions: list, *, unclicked_only: bool = False) -> list[QueryFigures]:
    clicked = _clicked()
    key = func.lower(SearchLog.query)
    searches = func.count(SearchLog.id)
    clickable = func.sum(case((SearchLog.source.in_(CLICKABLE_SOURCES), 1), else_=0))
    clicks = func.sum(case((clicked.c.search_id.is_not(None), 1), else_=0))
    query = (
        select(key, searches, func.avg(SearchLog.result_count), clickable, clicks)
        .outerjoin(clicked, clicked.c.search_id == SearchLog.id)
        .where(*conditions)
        .group_by(key)
        .order_by(searches.desc(), key)
        .limit(LIST_LIMIT)
    )
    if unclicked_only:
        query = query.having(clicks == 0)
    return [
        QueryFigures(
            query=text,
            searches=count,
            average_results=round(float(average or 0), 1),
            click_through_rate=round((clicked_count or 0) / on_pages, 4) if on_pages else None,
        )
        for text, count, average, on_pages, clicked_count in db.session.execute(query)
    ]


def _totals(conditions: list) -> ClickTotals:
    clicked = _clicked()
    on_page_with_results = and_(SearchLog.source.in_(CLICKABLE_SOURCES), SearchLog.result_count > 0)
    searches, with_results, without_clicks = db.session.execute(
        select(
            func.count(SearchLog.id),
            func.sum(case((on_page_with_results, 1), else_=0)),
            func.sum(case((and_(on_page_with_results, clicked.c.search_id.is_(None)), 1), else_=0)),
        )
        .outerjoin(clicked, clicked.c.search_id == SearchLog.id)
        .where(*conditions)
    ).one()
    return ClickTotals(searches or 0, with_results or 0, without_clicks or 0)


CSV_HEADINGS = {
    "top": ["query", "searches", "average_results", "click_through_rate"],
    "no-results": ["query", "searches"],
    "no-clicks": ["query", "searches", "average_results"],
}


def search_report_rows(section: ReportSection, name: str) -> Iterator[list[Any]]:
    """A heading row, then one row per query of the list `name` ("top", "no-results" or
    "no-clicks") of a section of a report already made for its viewer. Queries are what people
    typed: write them with spreadsheet_cells.csv_writer, which neutralises formulas."""
    headings = CSV_HEADINGS[name]
    yield list(headings)
    for row in section.rows_of(name):
        values = {
            "query": row.query,
            "searches": row.searches,
            "average_results": row.average_results,
            # Empty when there was nothing to click (API searches only).
            "click_through_rate": "" if row.click_through_rate is None else row.click_through_rate,
        }
        yield [values[heading] for heading in headings]
