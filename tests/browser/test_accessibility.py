"""Every page type passes axe's WCAG 2.2 AA rules, signed out and signed in; each is screenshotted.

The pages seen in a flow (find with results, filters and none; organisations; datasets open,
withdrawn and a data service; the publishing forms with and without errors; CSV import) are
checked in that flow's test, signed out or as a publisher; here are the rest, and the shared
pages as seen by other people.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from marketplace.extensions import db
from marketplace.harvest.records import Record
from marketplace.rules.actors import Actor
from marketplace.services.harvesting import add_source, apply_records, fail_run, start_run
from tests.browser.checks import check_page
from tests.browser.signin import one_login_header

ANALYST = "analyst@dft.gov.uk"  # a member of DfT: no role to manage people
ADMIN = "admin@dft.gov.uk"  # DfT's org admin
PUBLISHER = "publisher@dft.gov.uk"
SITE_ADMIN = "site.admin@digital.cabinet-office.gov.uk"
DFT_PEOPLE = "/organisations/department-for-transport/people"

# (name, path, status) of pages anyone can open.
OPEN_PAGES = [
    ("home", "/", 200),
    ("quality-report", "/quality", 200),
    ("signed-out", "/signed-out", 200),
    ("accessibility-statement", "/accessibility-statement", 200),
    ("cookies", "/cookies", 200),
    ("privacy", "/privacy", 200),
    ("feedback", "/feedback?from=/datasets", 200),
    ("page-not-found", "/no-such-page", 404),
    ("server-error", "/test-pages/boom", 500),
    ("service-unavailable", "/test-pages/unavailable", 503),
]


@pytest.mark.parametrize(("name", "path", "status"), OPEN_PAGES, ids=[p[0] for p in OPEN_PAGES])
def test_page_signed_out_has_no_accessibility_violations(page: Page, name: str, path: str, status: int):
    response = page.goto(path)
    assert response.status == status
    expect(header_link(page, "Sign in")).to_be_visible()
    check_page(page, f"{name}-signed-out")


# (name, who, path, status) of pages seen signed in.
SIGNED_IN_PAGES = [
    ("home", ANALYST, "/", 200),
    ("account", ADMIN, "/account", 200),
    ("tokens", ANALYST, "/account/tokens", 200),
    ("people-and-roles", ADMIN, DFT_PEOPLE, 200),
    ("api-clients", ADMIN, "/organisations/department-for-transport/api-clients", 200),
    ("api-clients-new", ADMIN, "/organisations/department-for-transport/api-clients/new", 200),
    ("api-clients-forbidden", PUBLISHER, "/organisations/department-for-transport/api-clients", 403),
    ("page-not-found", ANALYST, "/no-such-page", 404),
    ("forbidden", ANALYST, DFT_PEOPLE, 403),
    ("find", ANALYST, "/datasets?q=school+attendance", 200),
    ("organisations", ANALYST, "/organisations", 200),
    ("quality-report", ANALYST, "/quality", 200),
    ("organisation", ADMIN, "/organisations/department-for-transport", 200),
    ("dataset-internal", ANALYST, "/datasets/{internal}", 200),
    ("dataset-with-edit-link", PUBLISHER, "/datasets/{dft_published}", 200),
    ("publish-not-a-publisher", ANALYST, "/publish", 200),
    ("csv-import-forbidden", ANALYST, "/publish/import", 403),
]


@pytest.mark.parametrize(
    ("name", "who", "path", "status"), SIGNED_IN_PAGES, ids=[p[0] for p in SIGNED_IN_PAGES]
)
def test_page_signed_in_has_no_accessibility_violations(
    page_as, catalogue, name: str, who: str, path: str, status: int
):
    page = page_as(who)
    response = page.goto(
        path.format(
            internal=catalogue.slug_of(status="published", access_rights="INTERNAL"),
            dft_published=catalogue.slug_of(status="published", organisation="department-for-transport"),
        )
    )
    assert response.status == status
    expect(one_login_header(page).get_by_role("button", name="Sign out")).to_be_visible()
    check_page(page, f"{name}-signed-in")


def test_the_providers_sign_in_page_has_no_accessibility_violations_with_or_without_an_error(page: Page):
    page.goto("/login?next=/account")
    expect(page.get_by_role("heading", name="Who do you want to sign in as?")).to_be_visible()
    check_page(page, "sign-in-picker")

    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_title(re.compile("^Error: Who do you want to sign in as?"))
    expect(page.locator(".govuk-error-summary")).to_be_focused()
    check_page(page, "sign-in-picker-error")

    page.get_by_label("Someone else: type their e-mail address below").check()
    page.get_by_label("E-mail address", exact=True).fill("not an address")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("#email-error")).to_be_visible()
    check_page(page, "sign-in-picker-email-error")


def test_the_tokens_page_with_form_errors_has_no_accessibility_violations(page_as):
    page = page_as(ANALYST)
    page.goto("/account/tokens")
    page.get_by_label("Read", exact=True).uncheck()
    page.get_by_role("button", name="Create token").click()

    expect(page).to_have_title(re.compile("^Error: Your API tokens"))
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Enter a name for the token")
    expect(summary).to_contain_text("Choose what the token may do")
    check_page(page, "tokens-errors")


def header_link(page: Page, name: str):
    return page.locator(".govuk-service-navigation").get_by_role("link", name=name)


def test_removing_a_role_asks_first_and_cancel_goes_back_unchanged(page_as):
    page = page_as(ADMIN)
    page.goto(DFT_PEOPLE)
    people = page.get_by_role("table", name="People", exact=True)
    row = people.get_by_role("row").filter(has_text=PUBLISHER)
    row.get_by_role("link", name=f"Remove publisher role from {PUBLISHER}").click()
    expect(page.get_by_role("heading", name=f"Are you sure you want to remove {PUBLISHER}")).to_be_visible()
    check_page(page, "people-remove-role-confirm")
    page.get_by_role("link", name="Cancel").click()
    expect(page.get_by_role("heading", name="People and roles")).to_be_visible()
    expect(people.get_by_role("row").filter(has_text=PUBLISHER)).to_contain_text("Publisher")
    # Nobody is offered removing their own org admin role.
    own = people.get_by_role("row").filter(has_text=ADMIN)
    expect(own.get_by_role("link", name=re.compile("Remove org admin"))).to_have_count(0)


def test_the_feedback_form_with_errors_and_its_thank_you_page_are_accessible(page: Page):
    page.goto("/")
    page.get_by_role("link", name="feedback", exact=True).click()
    page.get_by_role("button", name="Send feedback").click()
    expect(page.locator(".govuk-error-summary")).to_be_focused()
    check_page(page, "feedback-errors")
    page.get_by_label("What went well, or what could be better?").fill("The search box works well.")
    page.get_by_role("button", name="Send feedback").click()
    expect(page.get_by_role("heading", name="Thank you for your feedback")).to_be_visible()
    check_page(page, "feedback-sent")


def test_the_harvesting_pages_have_no_accessibility_violations(page_as, catalogue):
    with catalogue.app.app_context():
        source = add_source(
            Actor.system("tests"),
            name="a11y-source",
            type="ckan",
            url="https://data.example.gov.uk",
            organisation="department-for-transport",
            every_hours=24,
        )
        entry = {"title": "Harvested counts", "licence": "nope", "access_rights": "OPEN"}
        records = [Record("ckan-1", "Harvested <b>counts</b>", None, entry)]
        finished = apply_records(start_run(source), records, lambda record: dict(record.data))
        failed = fail_run(start_run(source), "https://data.example.gov.uk answered 500.")
        paths = ["/harvest", "/harvest/a11y-source", f"/harvest/a11y-source/runs/{finished.id}"]
        paths.append(f"/harvest/a11y-source/runs/{failed.id}")
        db.session.remove()
    page = page_as(SITE_ADMIN)
    for number, path in enumerate(paths):
        assert page.goto(path).status == 200
        check_page(page, f"harvest-{number}-signed-in")
