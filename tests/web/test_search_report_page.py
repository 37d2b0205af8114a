"""/search-report: who may see it (anonymous visitors sign in; only site admins and org admins
see it), the period and a bad one, the link from the account page, the CSV files, and clicks
on results followed from the find page."""

from __future__ import annotations

import csv
import html as html_lib
import io
import re
from datetime import timedelta

import pytest

from marketplace.extensions import db
from marketplace.models.search_log import SearchLog
from marketplace.models.types import utcnow
from marketplace.search import index_root, rebuild_index
from marketplace.search.store import close_searchers
from tests.factories import create_dataset, create_organisation, create_user
from tests.web.pages import TITLE_SUFFIX, h1_of, page, title_of


def _search(query: str, results: int, *, days_ago: float = 1, organisation=None) -> None:
    row = SearchLog(
        query=query,
        filters={},
        result_count=results,
        source="organisation" if organisation else "page",
        organisation_id=organisation.id if organisation else None,
    )
    row.searched_at = utcnow() - timedelta(days=days_ago)
    db.session.add(row)
    db.session.commit()


@pytest.fixture
def dft(app):
    return create_organisation(email_domains=["dft.gov.uk"])


@pytest.fixture
def admin(app, signed_in):
    return signed_in(create_user(email="sam@cabinetoffice.gov.uk", roles=("site_admin",)))


def test_a_site_admin_sees_the_three_lists_for_the_period_chosen(admin):
    _search("road casualties", 12)
    _search("road casualties", 8)
    _search("neet", 0)
    _search("house prices", 3, days_ago=20)
    html = page(admin, "/search-report", status=200).text
    assert title_of(html) == f"What people search for{TITLE_SUFFIX}"
    assert h1_of(html) == "What people search for"
    for caption in ("Top searches", "Searches with no results", "Searches with results but no clicks"):
        assert caption in html
    assert "road casualties" in html and "neet" in html and "house prices" not in html
    assert '<input class="govuk-radios__input" id="days" name="days" type="radio" value="7" checked>' in html
    assert html.count(">Download as CSV<") == 3
    assert 'href="/search-report.csv?list=no-results&amp;days=7"' in html
    month = page(admin, "/search-report?days=30", status=200).text
    assert "house prices" in month and 'value="30" checked' in month


def test_anonymous_visitors_are_sent_to_sign_in(app):
    for path in ("/search-report", "/search-report.csv?list=top&days=7"):
        response = app.test_client().get(path, headers={"Accept": "text/html"})
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("roles", [("member",), ("publisher",), ("reviewer",)])
def test_readers_and_publishers_are_forbidden(app, signed_in, dft, roles):
    _search("private query", 1)
    client = signed_in(create_user(email="pat@dft.gov.uk", organisation=dft, roles=roles))
    assert "private query" not in page(client, "/search-report", status=403).text
    page(client, "/search-report?days=5", status=403)
    assert client.get("/search-report.csv?list=top&days=7").status_code == 403
    assert "/search-report" not in page(client, "/account", status=200).text


def test_an_org_admin_sees_the_site_lists_and_their_own_organisations_page_only(app, signed_in, dft):
    dwp = create_organisation(
        slug="department-for-work-pensions",
        title="Department for Work and Pensions",
        abbreviation="DWP",
        email_domains=["dwp.gov.uk"],
    )
    _search("stats19", 4, organisation=dft)
    _search("universal credit", 0, organisation=dwp)
    client = signed_in(create_user(email="ann@dft.gov.uk", organisation=dft, roles=("org_admin",)))
    html = page(client, "/search-report", status=200).text
    assert "Searches on Department for Transport\N{RIGHT SINGLE QUOTATION MARK}s page" in html
    assert "Department for Work and Pensions" not in html
    assert "universal credit" in html  # in the site-wide lists, which carry no personal data
    own = client.get(f"/search-report.csv?list=top&days=7&organisation={dft.slug}")
    assert own.status_code == 200 and "stats19" in own.get_data(as_text=True)
    other = client.get(f"/search-report.csv?list=top&days=7&organisation={dwp.slug}")
    assert other.status_code == 404
    assert 'href="/search-report">What people search for</a>' in page(client, "/account", status=200).text


def test_the_account_page_links_site_admins_to_the_report(admin):
    assert 'href="/search-report">What people search for</a>' in page(admin, "/account", status=200).text


@pytest.mark.parametrize("days", ["5", "", "thirty", "-7"])
def test_a_bad_period_is_a_400_with_an_error_summary(admin, days):
    html = page(admin, f"/search-report?days={days}", status=400).text
    assert title_of(html).startswith("Error: What people search for")
    assert "govuk-error-summary" in html and 'href="#days"' in html
    assert "Choose a period of 7 or 30 days." in html


def test_a_bad_list_or_period_in_the_csv_address_is_a_400(admin):
    assert admin.get("/search-report.csv?list=everything&days=7").status_code == 400
    assert admin.get("/search-report.csv?list=top&days=9").status_code == 400
    assert admin.get("/search-report.csv?list=top").status_code == 400


def test_the_csv_is_an_attachment_never_stored_with_formulas_neutralised(admin):
    _search('=HYPERLINK("http://x","y")', 0)
    response = admin.get("/search-report.csv?list=no-results&days=30")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="searches-no-results-30-days.csv"'
    assert response.headers["Cache-Control"] == "no-store"
    text = response.get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [["query", "searches"], ['\'=hyperlink("http://x","y")', "1"]]


def _table(html_text: str, caption: str) -> str:
    """The text of the table with that exact caption (tags dropped), or "" when there is none."""
    found = re.search(rf"<caption[^>]*>{re.escape(caption)}</caption>(.*?)</table>", html_text, re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split()) if found else ""


def test_a_search_whose_result_was_opened_leaves_the_no_clicks_list(admin, dft):
    for title in ("Road casualties", "House prices"):
        create_dataset(organisation=dft, title=title)
    rebuild_index(index_root())
    try:
        found = page(admin, "/datasets?q=road+casualties", status=200).text
        href = html_lib.unescape(
            re.search(r'href="(/datasets/road-casualties/from-search[^"]+)"', found).group(1)
        )
        page(admin, "/datasets?q=house+prices", status=200)
        admin.get("/api/v1/datasets?q=house+prices")  # the API: nothing to click
        assert admin.get(href).headers["Location"] == "/datasets/road-casualties"
    finally:
        close_searchers()
    html_text = page(admin, "/search-report", status=200).text
    # The averages are what the search found; the counts and rates are what this test did.
    unclicked = _table(html_text, "Searches with results but no clicks")
    assert re.fullmatch(r"Query Searches Average results house prices 1 \d+\.\d", unclicked)
    top = _table(html_text, "Top searches")
    assert re.search(r"house prices 2 \d+\.\d 0% road casualties 1 \d+\.\d 100%$", top)
    totals = " ".join(
        re.sub(r"<[^>]+>", " ", html_text.split("All searches", 1)[1].split("<table", 1)[0]).split()
    )
    assert totals.startswith(
        "Searches 3 Found entries on the find or an organisation page 2 Of those, no result opened 1 (50%)"
    )
    rows = list(
        csv.reader(io.StringIO(admin.get("/search-report.csv?list=no-clicks&days=7").text.lstrip("\ufeff")))
    )
    assert [row[:2] for row in rows] == [["query", "searches"], ["house prices", "1"]]
