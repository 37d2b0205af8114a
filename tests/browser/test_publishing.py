"""Publishing in the browser: create an entry (an error first, then fixed), publish it and find it;
the edit, quality and withdraw forms of an existing entry."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.checks import check_page
from tests.browser.finding import result_titles

PUBLISHER = "publisher@dft.gov.uk"
TITLE = "Canal towpath footfall counts in the Midlands"


def quoted(text: str) -> str:
    """As the pages quote a title: in curly single quotes."""
    return f"\N{LEFT SINGLE QUOTATION MARK}{text}\N{RIGHT SINGLE QUOTATION MARK}"


def test_a_publisher_creates_an_entry_fixes_an_error_publishes_it_and_finds_it_in_search(page_as):
    page = page_as(PUBLISHER)
    page.goto("/publish")
    check_page(page, "publish-dashboard")
    page.get_by_role("button", name="Create a new entry").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Create a new entry")
    check_page(page, "create-form")

    fill_entry(page, contact_email="the towpath team")
    page.get_by_role("button", name="Publish", exact=True).click()

    expect(page).to_have_title(re.compile("^Error: Create a new entry"))
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    problem = summary.get_by_role("link")
    expect(problem).to_have_count(1)
    expect(problem).to_have_attribute("href", "#contact_point-email")
    expect(page.locator("#contact_point-email-error")).to_be_visible()
    expect(page.locator("#title")).to_have_value(TITLE)  # what was typed is kept
    check_page(page, "create-form-errors")

    problem.click()
    expect(page.locator("#contact_point-email")).to_be_focused()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("towpath.counts@dft.gov.uk")
    page.get_by_role("button", name="Publish", exact=True).click()

    # Publishing opens the new entry's page, saying so; the dashboard lists it as published.
    expect(page).to_have_url(re.compile(r"/datasets/canal-towpath-footfall[^/]*$"))
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        f"{quoted(TITLE)} has been published."
    )
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    check_page(page, "published-entry-with-banner")
    page.goto("/publish")
    row = page.get_by_role("row").filter(has_text=TITLE)
    expect(row).to_contain_text("Published")

    page.get_by_role("link", name="Find data").click()
    page.get_by_label("Search for data").fill("towpath footfall")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page).to_have_url(re.compile(r"/datasets\?q=towpath\+footfall"))
    assert result_titles(page)[:1] == [TITLE]
    page.get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.get_by_text("Footfall at counters on canal towpaths")).to_be_visible()


def fill_entry(page: Page, *, contact_email: str) -> None:
    page.get_by_label("A dataset").check()
    page.locator("#title").fill(TITLE)
    page.locator("#summary").fill("Footfall at counters on canal towpaths, by hour.")
    page.locator("#description").fill("Counts of **people walking and cycling** past automatic counters.")
    page.locator("#contact_point-name").fill("Towpath Counts Team")
    page.locator("#contact_point-email").fill(contact_email)
    page.get_by_role("group", name="Access rights").get_by_label("Open", exact=True).check()
    page.get_by_role("group", name="Security classification").get_by_label("Official", exact=True).check()
    page.locator("#licence").select_option(label="Open Government Licence v3.0")
    page.get_by_label("Transport and infrastructure").check()
    page.locator("#keywords").fill("towpath, footfall, canals")
    page.locator("#modified-day").fill("1")
    page.locator("#modified-month").fill("9")
    page.locator("#modified-year").fill("2025")
    page.locator("#distributions-0-title").fill("Towpath footfall 2025 (CSV)")
    page.locator("#distributions-0-download_url").fill(
        "https://data.example.gov.uk/towpath-footfall-2025.csv"
    )
    page.locator("#distributions-0-media_type").select_option("text/csv")


def test_the_edit_quality_and_withdraw_forms_of_a_published_entry_are_accessible(page_as):
    page = page_as(PUBLISHER)
    page.goto("/publish")
    published = page.get_by_role("row").filter(has=page.locator(".govuk-tag", has_text="Published"))
    published.first.get_by_role("link", name=re.compile(r"\(edit\)$")).click()

    expect(page).to_have_url(re.compile(r"/publish/datasets/[^/]+/edit$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("^Edit .+"))
    check_page(page, "edit-form")

    page.get_by_role("link", name="Declare its data quality").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("^Data quality of .+"))
    check_page(page, "quality-form")

    # A rating without the date it was assessed: an error on that dimension's date.
    first_rating = page.get_by_role("group", name=re.compile("^Rating for ")).first
    first_rating.get_by_label("4 \N{EN DASH} Good").check()
    date_fields = page.locator(".govuk-date-input").first.locator("input")
    for field in date_fields.all():
        field.fill("")
    page.get_by_role("button", name="Save quality ratings").click()
    expect(page).to_have_title(re.compile("^Error: Data quality of"))
    expect(page.locator(".govuk-error-summary")).to_be_focused()
    check_page(page, "quality-form-errors")

    page.get_by_role("link", name="Back to the entry").click()
    page.get_by_role("link", name=re.compile("^Withdraw ")).click()
    expect(page).to_have_url(re.compile(r"/withdraw$"))
    check_page(page, "withdraw-confirm")
    # Withdrawing asks why: the answer is required.
    page.get_by_role("button", name="Withdraw entry").click()
    expect(page).to_have_title(re.compile("^Error: Are you sure you want to withdraw"))
    expect(page.locator(".govuk-error-summary")).to_be_focused()
    expect(page.locator("#reason-error")).to_contain_text("Say why the entry is being withdrawn.")
    check_page(page, "withdraw-confirm-errors")
