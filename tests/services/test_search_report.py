"""The search report (services/search_report.py): its three lists over known searches, the period,
who may see what, and CSV files in which no query can open as a formula."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from marketplace.errors import AuthenticationError, BadRequestError, PermissionDeniedError
from marketplace.extensions import db
from marketplace.models.search_log import SearchClick, SearchLog
from marketplace.models.types import utcnow
from marketplace.rules.actors import Actor
from marketplace.services.search_report import search_report, search_report_rows
from marketplace.spreadsheet_cells import csv_writer
from tests.factories import create_organisation, create_user

SITE_ADMIN = Actor.system("system:tests")


def _search(query: str, results: int, *, days_ago: float = 1, clicks: int = 0, organisation=None) -> None:
    row = SearchLog(
        query=query,
        filters={},
        result_count=results,
        source="organisation" if organisation else "page",
        organisation_id=organisation.id if organisation else None,
    )
    row.searched_at = utcnow() - timedelta(days=days_ago)
    db.session.add(row)
    db.session.flush()
    for rank in range(1, clicks + 1):
        db.session.add(SearchClick(search_id=row.id, rank=rank, dataset_slug=f"entry-{rank}"))
    db.session.commit()


def _by_query(rows) -> dict[str, tuple]:
    return {row.query: (row.searches, row.average_results, row.click_through_rate) for row in rows}


def _session_actor(user) -> Actor:
    return Actor.for_user(user, "session", {"read", "publish"})


def test_the_lists_count_searches_average_results_and_click_through_over_the_period(app):
    _search("road casualties", 10, clicks=2)
    _search("Road casualties", 6)  # the same query, typed in another case
    _search("road casualties", 8, days_ago=6)
    _search("road casualties", 4, days_ago=8)  # outside 7 days, inside 30
    _search("road casualties", 4, days_ago=31, clicks=1)  # outside both
    _search("NEET", 0)
    _search("neet", 0, days_ago=2)
    _search("house prices", 3)
    _search("", 5)  # filters only: never a query in the lists
    week = search_report(SITE_ADMIN, 7).site
    assert [row.query for row in week.top] == ["road casualties", "neet", "house prices"]
    assert _by_query(week.top)["house prices"] == (1, 3.0, 0.0)
    assert _by_query(week.top)["road casualties"] == (3, 8.0, 0.3333)
    assert [(row.query, row.searches) for row in week.no_results] == [("neet", 2)]
    # Results but nothing followed: "house prices"; road casualties had a click.
    assert [(row.query, row.searches) for row in week.no_clicks] == [("house prices", 1)]
    assert all(row.query for row in week.top)
    month = search_report(SITE_ADMIN, 30).site
    assert _by_query(month.top)["road casualties"] == (4, 7.0, 0.25)


def test_searches_with_results_but_no_clicks_leave_out_a_query_clicked_once(app):
    _search("gp appointments", 5)
    _search("gp appointments", 5, clicks=1)
    _search("a and e", 2)
    _search("a and e", 4)
    report = search_report(SITE_ADMIN, 7).site
    assert _by_query(report.no_clicks) == {"a and e": (2, 3.0, 0.0)}
    assert report.no_results == []


@pytest.mark.parametrize("days", [0, 1, 14, 31, "7days", None])
def test_only_a_period_of_7_or_30_days_is_accepted(app, days):
    with pytest.raises(BadRequestError) as raised:
        search_report(SITE_ADMIN, days)
    assert "days" in raised.value.errors


def test_a_formula_typed_as_a_query_is_neutralised_in_every_csv(app):
    formula = '=HYPERLINK("http://x","y")'
    _search(formula, 0)
    _search(formula, 2)
    section = search_report(SITE_ADMIN, 7).site
    for name in ("top", "no-results", "no-clicks"):
        out = io.StringIO()
        csv_writer(out).writerows(search_report_rows(section, name))
        rows = list(csv.reader(io.StringIO(out.getvalue())))
        assert rows[0][0] == "query"
        # The report shows queries in lower case; the apostrophe keeps it text.
        assert rows[1][0] == "'" + formula.lower(), name
    out = io.StringIO()
    csv_writer(out).writerows(search_report_rows(section, "top"))
    assert list(csv.reader(io.StringIO(out.getvalue()))) == [
        ["query", "searches", "average_results", "click_through_rate"],
        ["'" + formula.lower(), "2", "1.0", "0.0"],
    ]


def test_an_org_admin_sees_the_site_lists_and_only_their_own_organisations_page(app):
    dft = create_organisation(email_domains=["dft.gov.uk"])
    dwp = create_organisation(
        slug="department-for-work-pensions",
        title="Department for Work and Pensions",
        abbreviation="DWP",
        email_domains=["dwp.gov.uk"],
    )
    _search("stats19", 4, organisation=dft)
    _search("universal credit", 0, organisation=dwp)
    _search("house prices", 3)
    admin_of_dft = _session_actor(create_user(email="ann@dft.gov.uk", organisation=dft, roles=("org_admin",)))
    admin_of_dwp = _session_actor(create_user(email="bo@dwp.gov.uk", organisation=dwp, roles=("org_admin",)))

    seen_by_dwp = search_report(admin_of_dwp, 7)
    assert {row.query for row in seen_by_dwp.site.top} == {"stats19", "universal credit", "house prices"}
    assert [section.organisation.slug for section in seen_by_dwp.organisations] == [dwp.slug]
    assert [row.query for row in seen_by_dwp.organisations[0].top] == ["universal credit"]
    assert seen_by_dwp.section(dft.slug) is None
    assert seen_by_dwp.section(dwp.slug) is seen_by_dwp.organisations[0]

    seen_by_dft = search_report(admin_of_dft, 7)
    assert [section.organisation.slug for section in seen_by_dft.organisations] == [dft.slug]
    assert [row.query for row in seen_by_dft.organisations[0].top] == ["stats19"]
    assert seen_by_dft.section(dwp.slug) is None

    everything = search_report(SITE_ADMIN, 7)
    assert [s.organisation.slug for s in everything.organisations] == [dft.slug, dwp.slug]


@pytest.mark.parametrize("roles", [("member",), ("publisher",), ("reviewer",)])
def test_people_without_an_admin_role_may_not_see_the_report(app, roles):
    dft = create_organisation(email_domains=["dft.gov.uk"])
    person = _session_actor(create_user(email="pat@dft.gov.uk", organisation=dft, roles=roles))
    with pytest.raises(PermissionDeniedError):
        search_report(person, 7)
    with pytest.raises(AuthenticationError):
        search_report(Actor.anonymous(), 7)
