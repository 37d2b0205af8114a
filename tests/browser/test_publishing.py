"""Publishing in the browser: create an entry (an error first, then fixed), publish it and find it;
the edit, quality and withdraw forms of an existing entry."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.checks import check_page
from tests.browser.finding import result_titles

PUBLISHER = "publisher@dft.gov.uk"
TITLE = "Canal towpath footfall counts in the Midlands"
SIZES = {"desktop": {"width": 1280, "height": 900}, "mobile": {"width": 375, "height": 812}}


def quoted(text: str) -> str:
    """As the pages quote a title: in curly single quotes."""
    return f"\N{LEFT SINGLE QUOTATION MARK}{text}\N{RIGHT SINGLE QUOTATION MARK}"


@pytest.mark.parametrize("size", ["desktop", "mobile"])
def test_a_publisher_creates_an_entry_section_by_section_publishes_it_and_finds_it(page_as, size):
    """The task list journey: start, answer sections in any order (one with an error first),
    add a file, check the answers, publish, find it."""
    title = f"{TITLE} ({size})"
    page = page_as(PUBLISHER)
    page.set_viewport_size(SIZES[size])
    page.goto("/publish")
    check_page(page, f"publish-dashboard-{size}")
    page.get_by_role("button", name="Create a new entry").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Create a new entry")
    check_page(page, f"start-entry-{size}")
    page.get_by_label("A dataset").check()
    page.locator("#title").fill(title)
    page.get_by_role("button", name="Save and continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.locator(".govuk-task-list")).to_be_visible()
    check_page(page, f"task-list-{size}")

    def section(name: str) -> None:
        page.locator(".govuk-task-list").get_by_role("link", name=name).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(name)

    section("Who publishes it")
    page.locator("#contact_point-name").fill("Towpath Counts Team")
    page.locator("#contact_point-email").fill("the towpath team")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator(".govuk-error-summary")).to_be_focused()
    check_page(page, f"section-errors-{size}")
    page.locator(".govuk-error-summary").get_by_role("link").first.click()
    expect(page.locator("#contact_point-email")).to_be_focused()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("towpath.counts@dft.gov.uk")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Who publishes it")

    section("About the entry")
    page.locator("#summary").fill("Footfall at counters on canal towpaths, by hour.")
    page.locator("#description").fill("Counts of **people walking and cycling** past automatic counters.")
    page.get_by_role("button", name="Save and continue").click()

    section("Access and licence")
    page.get_by_role("group", name="Access rights").get_by_label("Open", exact=True).check()
    page.get_by_role("group", name="Security classification").get_by_label("Official", exact=True).check()
    page.locator("#licence").select_option(label="Open Government Licence v3.0")
    page.get_by_role("button", name="Save and continue").click()

    section("Dates and coverage")
    page.locator("#modified-day").fill("1")
    page.locator("#modified-month").fill("9")
    page.locator("#modified-year").fill("2025")
    page.get_by_role("button", name="Save and continue").click()

    section("Files")
    page.get_by_role("button", name="Add a file").click()
    page.locator("#distributions-0-title").fill("Towpath footfall 2025")
    page.locator("#distributions-0-download_url").fill(
        "https://data.example.gov.uk/towpath-footfall-2025.csv"
    )
    page.get_by_label("Format (optional)").select_option(label="CSV spreadsheet (CSV)")
    check_page(page, f"add-file-{size}")
    page.get_by_role("button", name="Save file").click()
    # Back on the files, at the file just added.
    expect(page).to_have_url(re.compile(r"/files#file-1$"))
    expect(page.locator("#file-1")).to_contain_text("CSV spreadsheet (CSV)")
    check_page(page, f"files-{size}")
    page.get_by_role("link", name="Back to the entry\N{RIGHT SINGLE QUOTATION MARK}s sections").first.click()

    page.get_by_role("link", name="Check your answers and publish").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers before publishing")
    check_page(page, f"check-answers-{size}")
    page.get_by_role("button", name="Publish", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        f"{quoted(title)} has been published."
    )
    check_page(page, f"published-entry-{size}")

    page.goto("/datasets?q=towpath+footfall")
    assert title in result_titles(page)


def test_the_edit_quality_and_withdraw_forms_of_a_published_entry_are_accessible(page_as):
    page = page_as(PUBLISHER)
    page.goto("/publish")
    published = page.get_by_role("row").filter(has=page.locator(".govuk-tag", has_text="Published"))
    published.first.get_by_role("link", name=re.compile(r"\(edit\)$")).click()
    page.get_by_role("link", name="Change everything on one page").click()

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
