"""The search report's clicks (services/search_report.py) from clicks recorded as the result
links record them (services/search_log.py): searches with results but no clicks, the totals,
click-through rates, API searches (nothing to click), an organisation's own page searches, and
the no-clicks CSV."""

from __future__ import annotations

import csv
import io

from marketplace.rules.actors import Actor
from marketplace.services.search_log import click_signature, record_click, record_search
from marketplace.services.search_report import ClickTotals, search_report, search_report_rows
from marketplace.spreadsheet_cells import csv_writer
from tests.factories import create_organisation, create_user

SITE_ADMIN = Actor.system("system:tests")


def _search(
    query: str, results: int, *, source: str = "page", organisation=None, follow: tuple[str, ...] = ()
):
    """A search as the pages log it, and the results followed from it by their links."""
    search_id = record_search(
        query=query,
        filters={},
        result_count=results,
        source="organisation" if organisation else source,
        organisation_id=organisation.id if organisation else None,
    )
    for rank, slug in enumerate(follow, start=1):
        signature = click_signature(search_id, slug, rank)
        assert record_click(search=search_id.hex, slug=slug, rank=str(rank), signature=signature)
    return search_id


def _no_clicks(section) -> list[tuple[str, int]]:
    return [(row.query, row.searches) for row in section.no_clicks]


def test_a_followed_result_takes_its_query_off_the_searches_with_no_clicks(app):
    _search("road casualties", 12)
    _search("house prices", 4)
    assert _no_clicks(search_report(SITE_ADMIN, 7).site) == [("house prices", 1), ("road casualties", 1)]
    _search("road casualties", 12, follow=("road-casualties",))
    site = search_report(SITE_ADMIN, 7).site
    assert _no_clicks(site) == [("house prices", 1)]
    assert {row.query: row.click_through_rate for row in site.top} == {
        "road casualties": 0.5,
        "house prices": 0.0,
    }


def test_the_totals_count_searches_that_found_entries_on_a_page_and_those_no_one_followed(app):
    _search("gp appointments", 5, follow=("gp-appointments", "gp-practices"))
    _search("gp appointments", 5)
    _search("neet", 0)
    _search("hmrc", 9, source="api")
    _search("", 3)  # filters only: not in the report
    totals = search_report(SITE_ADMIN, 7).site.totals
    assert totals == ClickTotals(searches=4, with_results=2, without_clicks=1)
    assert totals.share_without_clicks == 0.5


def test_api_searches_have_nothing_to_click_so_count_in_no_click_through_rate_and_no_unclicked_list(app):
    _search("hmrc", 9, source="api")
    _search("hmrc", 9, source="api")
    _search("nhs", 3, source="api")
    _search("nhs", 3, follow=("nhs-workforce",))
    site = search_report(SITE_ADMIN, 7).site
    assert _no_clicks(site) == []
    assert {row.query: row.click_through_rate for row in site.top} == {"hmrc": None, "nhs": 1.0}
    assert site.totals == ClickTotals(searches=4, with_results=1, without_clicks=0)
    out = io.StringIO()
    csv_writer(out).writerows(search_report_rows(site, "top"))
    assert list(csv.reader(io.StringIO(out.getvalue())))[1:] == [
        ["hmrc", "2", "9.0", ""],
        ["nhs", "2", "3.0", "1.0"],
    ]


def test_an_org_admin_sees_the_unclicked_searches_of_their_own_organisations_page_only(app):
    dft = create_organisation(email_domains=["dft.gov.uk"])
    dwp = create_organisation(
        slug="department-for-work-pensions",
        title="Department for Work and Pensions",
        abbreviation="DWP",
        email_domains=["dwp.gov.uk"],
    )
    _search("stats19", 4, organisation=dft)
    _search("rail", 4, organisation=dft, follow=("rail-passenger-numbers",))
    _search("universal credit", 6, organisation=dwp)
    admin = create_user(email="ann@dft.gov.uk", organisation=dft, roles=("org_admin",))
    report = search_report(Actor.for_user(admin, "session", {"read", "publish"}), 30)
    [own] = report.organisations
    assert own.organisation.slug == dft.slug
    assert _no_clicks(own) == [("stats19", 1)]
    assert own.totals == ClickTotals(searches=2, with_results=2, without_clicks=1)
    assert report.section(dwp.slug) is None
    out = io.StringIO()
    csv_writer(out).writerows(search_report_rows(own, "no-clicks"))
    assert list(csv.reader(io.StringIO(out.getvalue()))) == [
        ["query", "searches", "average_results"],
        ["stats19", "1", "4.0"],
    ]
