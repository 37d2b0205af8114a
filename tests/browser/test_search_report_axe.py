"""The search report in the browser: a site admin searches on the find page (one search finds
entries, one finds nothing), then opens the report from the account page, at 7 and 30 days, each
checked with axe and at 320 px, on a desktop and a phone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.checks import check_page

SITE_ADMIN = "site.admin@digital.cabinet-office.gov.uk"
SIZES = {"desktop": {"width": 1280, "height": 900}, "mobile": {"width": 375, "height": 812}}


@pytest.mark.parametrize("size", ["desktop", "mobile"])
def test_the_search_report_has_no_accessibility_violations(page_as, size):
    page = page_as(SITE_ADMIN)
    page.set_viewport_size(SIZES[size])
    page.goto("/datasets?q=road+casualties")
    page.goto("/datasets?q=zxqvjk+nothing+matches")
    page.goto("/account")
    page.get_by_role("link", name="What people search for").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("What people search for")
    top = page.get_by_role("table", name="Top searches", exact=True)
    expect(top).to_be_visible()
    expect(top).to_contain_text("road casualties")
    nothing = page.get_by_role("table", name="Searches with no results", exact=True)
    expect(nothing).to_contain_text("zxqvjk nothing matches")
    check_page(page, f"search-report-{size}")

    page.get_by_label("Last 30 days").check()
    page.get_by_role("button", name="Show searches").click()
    expect(page).to_have_url(re.compile(r"/search-report\?days=30$"))
    check_page(page, f"search-report-30-days-{size}")
