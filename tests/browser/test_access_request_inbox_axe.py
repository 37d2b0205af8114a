"""An organisation's data share request inbox and its mailbox page in the browser, checked with axe
and at 320 px: as it opens, with bad filters (the error summary), and the mailbox form with an error."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.checks import check_page

ORG_ADMIN = "admin@dft.gov.uk"  # the seed's Department for Transport has requests in every state
SIZES = {"desktop": {"width": 1280, "height": 900}, "mobile": {"width": 375, "height": 812}}


@pytest.mark.parametrize("size", ["desktop", "mobile"])
def test_the_inbox_and_mailbox_pages_have_no_accessibility_violations(page_as, size):
    page = page_as(ORG_ADMIN)
    page.set_viewport_size(SIZES[size])
    page.goto("/account")
    page.get_by_role("link", name=re.compile(r"^Data share requests for ")).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Data share requests")
    expect(page.get_by_role("table", name="Data share requests")).to_be_visible()
    check_page(page, f"access-request-inbox-{size}")

    page.get_by_label("Accepted").check()
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"status=accepted"))
    check_page(page, f"access-request-inbox-filtered-{size}")

    page.goto(page.url.split("?")[0] + "?age=3&sort=title")
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    check_page(page, f"access-request-inbox-errors-{size}")

    page.goto(page.url.split("?")[0])
    page.get_by_role("link", name=re.compile(r"^Change")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Data share mailbox")
    check_page(page, f"access-request-mailbox-{size}")

    page.get_by_label("Data share mailbox").fill("not an address")
    page.get_by_role("button", name="Save mailbox").click()
    expect(page).to_have_title(re.compile(r"^Error: "))
    check_page(page, f"access-request-mailbox-error-{size}")
