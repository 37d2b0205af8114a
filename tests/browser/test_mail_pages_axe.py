"""The site admin's e-mail pages in the browser: the outbox (the seed's data share requests queue
e-mail) and one message, each checked with axe and at 320 px, on a desktop and a phone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.checks import check_page

SITE_ADMIN = "site.admin@digital.cabinet-office.gov.uk"
SIZES = {"desktop": {"width": 1280, "height": 900}, "mobile": {"width": 375, "height": 812}}


@pytest.mark.parametrize("size", ["desktop", "mobile"])
def test_the_outbox_and_a_message_have_no_accessibility_violations(page_as, size):
    page = page_as(SITE_ADMIN)
    page.set_viewport_size(SIZES[size])
    page.goto("/account")
    page.get_by_role("link", name="Sent e-mail").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sent e-mail")
    messages = page.get_by_role("table", name="E-mail messages")
    expect(messages).to_be_visible()
    check_page(page, f"mail-outbox-{size}")

    page.get_by_label("Status").select_option("pending")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"/admin/mail\?status=pending$"))
    check_page(page, f"mail-outbox-pending-{size}")

    messages.get_by_role("link").first.click()
    expect(page).to_have_title(re.compile(r"^E-mail \d+ "))
    expect(page.get_by_role("region", name="Message text")).to_be_visible()
    check_page(page, f"mail-message-{size}")
