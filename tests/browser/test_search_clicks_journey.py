"""Search, open a result, then see it in the search report: a site admin searches twice on the
find page, opens a result of the first search (in a new tab with a ctrl-click, or with a plain
click and no JavaScript at all), and the report then lists only the second search as having
results but no clicks. With JavaScript on, each page is checked with axe and at 320 px (axe is
a script: with scripts off there is nothing to run it, and the pages are the same)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.checks import check_page

SITE_ADMIN = "site.admin@digital.cabinet-office.gov.uk"
OPENED = "bathing water quality"  # its first result, "Bathing water quality", is opened
NOT_OPENED = "rail ticket sales"  # finds entries; none is opened


def _search(page: Page, words: str) -> None:
    page.goto("/datasets")
    page.get_by_label("Search for data").fill(words)
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.get_by_role("heading", name=re.compile(rf"results? for .{words}.$"))).to_be_visible()


@pytest.mark.parametrize("how", ["new-tab", "no-javascript"])
def test_a_result_opened_from_a_search_takes_it_off_the_searches_with_no_clicks(
    new_context, _sign_in_states, how
):
    javascript = how != "no-javascript"
    context = new_context(storage_state=_sign_in_states(SITE_ADMIN), java_script_enabled=javascript)
    page = context.new_page()
    _search(page, OPENED)
    result = page.locator(".app-result__title a").filter(has_text=re.compile("^Bathing water quality$")).first
    # The link is a plain address on this site, through the page that counts the click.
    expect(result).to_have_attribute("href", re.compile(r"^/datasets/[a-z0-9-]+/from-search\?"))
    if javascript:
        check_page(page, "search-clicks-results")
    if how == "new-tab":
        with context.expect_page() as opened:
            result.click(modifiers=["ControlOrMeta"])
        entry = opened.value
    else:
        result.click()
        entry = page
    expect(entry.get_by_role("heading", level=1)).to_have_text("Bathing water quality")
    expect(entry).to_have_url(re.compile(r"/datasets/bathing-water-quality$"))
    if javascript:
        check_page(entry, "search-clicks-entry")

    _search(page, NOT_OPENED)
    page.goto("/account")
    page.get_by_role("link", name="What people search for").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("What people search for")
    unclicked = page.get_by_role("table", name="Searches with results but no clicks", exact=True)
    expect(unclicked).to_contain_text(NOT_OPENED)
    expect(unclicked).not_to_contain_text(OPENED)
    top = page.get_by_role("table", name="Top searches", exact=True)
    expect(top.get_by_role("row").filter(has_text=OPENED)).to_contain_text("100%")
    expect(top.get_by_role("row").filter(has_text=NOT_OPENED)).to_contain_text("0%")
    # The site-wide totals come first; an organisation page searched by another test adds its own.
    expect(page.get_by_text("Of those, no result opened").first).to_be_visible()
    if javascript:
        check_page(page, "search-clicks-report")
