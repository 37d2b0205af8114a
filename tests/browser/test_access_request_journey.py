"""A data share request from start to decision in the browser (issue 16): a Home Office analyst
asks for a restricted Department for Transport entry section by section (an error first), submits;
a DfT reviewer starts the review and returns it for one section; the analyst changes that section
and resubmits; the reviewer accepts. Every new page is checked with axe, and each step's e-mail
is queued as a MailMessage row."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from playwright.sync_api import Page, expect
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import AccessRequest, MailMessage
from tests.browser.checks import check_page

REQUESTER = "analyst@homeoffice.gov.uk"
REVIEWER = "reviewer@dft.gov.uk"
OWNER = "department-for-transport"


def heading(page: Page):
    return page.get_by_role("heading", level=1)


def open_section(page: Page, title: str) -> None:
    page.locator(".govuk-task-list").get_by_role("link", name=title).click()
    expect(heading(page)).to_have_text(title)


def save(page: Page, *, completed: bool = True) -> None:
    page.locator("#completed" if completed else "#completed-2").check()
    page.get_by_role("button", name="Save and continue").click()


def submit_with_declaration(page: Page) -> None:
    page.get_by_label("I confirm the information is correct").check()
    page.get_by_role("button", name="Submit request").click()
    expect(page.locator(".govuk-panel")).to_contain_text("Request submitted")


def decide(page: Page, label: str, *, reason: str | None = None, section: str | None = None) -> None:
    """Each decision is a form of its own, headed by its name, with its reason and its button."""
    form = page.locator("form", has=page.get_by_role("heading", name=label, exact=True))
    if reason:
        form.locator("textarea").fill(reason)
    if section:
        form.get_by_role("checkbox", name=section).check()
    form.get_by_role("button", name=label, exact=True).click()


def test_a_request_is_made_returned_changed_resubmitted_and_accepted(page_as, catalogue):
    slug = catalogue.slug_of(organisation=OWNER, access_rights="INTERNAL", status="published")
    requester = page_as(REQUESTER)
    requester.goto(f"/datasets/{slug}")
    requester.get_by_role("button", name="Request this data").click()
    expect(heading(requester)).to_contain_text("Request data: ")
    request_id = re.search(r"/access-requests/([0-9a-f-]+)/tasks", requester.url).group(1)
    check_page(requester, "access-request-tasks")

    open_section(requester, "Purpose of the data share")
    check_page(requester, "access-request-section")
    for name, text in {
        "purpose": "Model <b>rail</b> journeys to asylum accommodation.",
        "project_aims": "Plan transport for people placed in accommodation.",
        "data_required": "Ticket sales by station pair, 2024 to 2026.",
        "benefits": "Fewer missed appointments.",
        "who_will_access": "Three analysts in the Home Office.",
    }.items():
        requester.locator(f"#{name}").fill(text)
    requester.locator("#needed_by-day").fill("31")
    requester.locator("#needed_by-month").fill("2")
    requester.locator("#needed_by-year").fill("2027")
    save(requester)
    expect(requester.locator(".govuk-error-summary")).to_contain_text("must be a real date")
    expect(requester.locator("#purpose")).to_have_value("Model <b>rail</b> journeys to asylum accommodation.")
    check_page(requester, "access-request-section-errors")
    when = datetime.now(UTC).date() + timedelta(days=120)
    requester.locator("#needed_by-day").fill(str(when.day))
    requester.locator("#needed_by-month").fill(str(when.month))
    requester.locator("#needed_by-year").fill(str(when.year))
    save(requester)

    open_section(requester, "Legal power and gateway")
    requester.locator("#legal_power").fill("Immigration and Asylum Act 1999, section 95.")
    requester.locator("#legal_gateway").fill("Common law powers.")
    save(requester)

    open_section(requester, "Data protection")
    expect(requester.locator("body")).to_contain_text("Answer only if you said yes")
    requester.locator("#personal_data").check()
    requester.locator("#special_category_data-2").check()
    requester.locator("#lawful_basis").fill("Public task, Article 6(1)(e).")
    requester.locator("#controller_role").check()
    requester.locator("#leaves_uk-2").check()
    check_page(requester, "access-request-section-personal-data")
    save(requester)

    open_section(requester, "Governance, security and technology")
    requester.locator("#delivery-2").check()
    requester.locator("#format").fill("CSV")
    requester.locator("#storage_and_retention").fill("Home Office analytical platform, 2 years.")
    requester.locator("#disposal").fill("Deleted at the end of the project.")
    save(requester)

    expect(requester.locator(".govuk-task-list__status", has_text="Completed")).to_have_count(4)
    requester.get_by_role("link", name="Check your answers and submit").click()
    check_page(requester, "access-request-check")
    requester.get_by_role("button", name="Submit request").click()
    expect(requester.locator(".govuk-error-summary")).to_contain_text("Confirm the declaration")
    check_page(requester, "access-request-check-errors")
    submit_with_declaration(requester)
    reference = requester.locator(".govuk-panel strong").inner_text()
    check_page(requester, "access-request-submitted")
    requester.get_by_role("link", name="View your request").click()
    expect(requester.locator("body")).to_contain_text("Model <b>rail</b> journeys")
    check_page(requester, "access-request-page-requester")
    requester.goto("/access-requests")
    expect(requester.locator("table")).to_contain_text(reference)
    check_page(requester, "access-request-list")

    reviewer = page_as(REVIEWER)
    reviewer.goto(f"/access-requests/{request_id}")
    check_page(reviewer, "access-request-page-reviewer")
    reviewer.get_by_role("button", name="Start review").click()
    expect(reviewer.locator("main .govuk-summary-list .govuk-tag").first).to_have_text("In review")
    decide(reviewer, "Return for changes")  # no reason: an error first
    expect(reviewer.locator(".govuk-error-summary")).to_contain_text("Give the reason")
    check_page(reviewer, "access-request-page-reviewer-errors")
    decide(
        reviewer,
        "Return for changes",
        reason="Name the legal gateway for sharing commercially confidential data.",
        section="Legal power and gateway",
    )
    expect(reviewer.locator("main .govuk-summary-list .govuk-tag").first).to_have_text("Returned for changes")

    requester.goto(f"/access-requests/{request_id}")
    requester.get_by_role("link", name="Make changes").click()
    expect(requester.locator("body")).to_contain_text("Name the legal gateway")
    expect(requester.locator(".govuk-task-list__status", has_text="Changes requested")).to_have_count(1)
    check_page(requester, "access-request-tasks-returned")
    open_section(requester, "Legal power and gateway")
    requester.locator("#legal_gateway").fill("Digital Economy Act 2017, Part 5, chapter 1.")
    save(requester)
    requester.get_by_role("link", name="Check your answers and submit").click()
    submit_with_declaration(requester)

    reviewer.reload()
    reviewer.get_by_role("button", name="Start review").click()
    decide(reviewer, "Accept")
    expect(reviewer.locator("main .govuk-summary-list .govuk-tag").first).to_have_text("Accepted")

    requester.goto(f"/access-requests/{request_id}")
    expect(requester.locator("main .govuk-summary-list .govuk-tag").first).to_have_text("Accepted")

    with catalogue.app.app_context():
        stored = db.session.scalar(select(AccessRequest).where(AccessRequest.reference == reference))
        kinds = db.session.scalars(
            select(MailMessage.kind).where(MailMessage.reference == str(stored.id)).order_by(MailMessage.id)
        ).all()
        db.session.remove()
    for kind in ("submitted", "in_review", "returned", "accepted"):
        assert f"access_request.{kind}" in kinds, kinds
    assert kinds.count("access_request.submitted") >= 2  # first time and again after the changes


def test_a_requester_cancels_after_a_confirmation_page(page_as, catalogue):
    slug = catalogue.slug_of(
        organisation="department-for-work-pensions", access_rights="INTERNAL", status="published"
    )
    requester = page_as(REQUESTER)
    requester.goto(f"/datasets/{slug}")
    requester.get_by_role("button", name="Request this data").click()
    requester.get_by_role("link", name="Cancel this request").click()
    expect(heading(requester)).to_have_text("Are you sure you want to cancel your request?")
    check_page(requester, "access-request-cancel")
    requester.get_by_role("button", name="Yes, cancel the request").click()
    expect(requester.locator("main .govuk-summary-list .govuk-tag").first).to_have_text("Cancelled")
