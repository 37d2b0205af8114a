"""Saved searches in the browser: sign in, search, save with a daily alert, see it from the account
page, publish a matching entry, send the alerts and the mail in-process, and follow the .eml's
unsubscribe link signed out; axe reports nothing on any of the new pages."""

from __future__ import annotations

import re
from datetime import timedelta
from email import policy
from email.parser import BytesParser
from pathlib import Path

from playwright.sync_api import expect
from sqlalchemy import select, update

from marketplace.extensions import db
from marketplace.models import MailMessage, Organisation, SavedSearch
from marketplace.models.types import utcnow
from marketplace.search import index_root, sync_index
from marketplace.services.alerts import send_due_alerts
from marketplace.services.mail import send_pending
from tests.browser.checks import check_page
from tests.factories import create_dataset

ANALYST = "analyst@dft.gov.uk"  # a member of DfT in the seed
NAME = "\u2018Airship surveys\u2019"  # as the pages quote it
WORD = "zeppelinography"  # in no seed entry: the saved search matches only what this test adds


def test_save_a_search_get_its_digest_and_unsubscribe_from_the_email(page_as, catalogue, new_context):
    page = page_as(ANALYST)
    page.goto(f"/datasets?q={WORD}")
    page.get_by_role("link", name="Save this search").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Save this search")
    check_page(page, "saved-search-new")

    page.get_by_label("Name").fill("")
    page.get_by_role("button", name="Save search").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a name for this search.")
    check_page(page, "saved-search-new-error")

    page.get_by_label("Name").fill("Airship surveys")
    page.get_by_label("Yes, a daily e-mail").check()
    page.get_by_role("button", name="Save search").click()
    page.goto("/account")
    page.get_by_role("link", name="Your saved searches").click()
    table = page.get_by_role("table", name="Your saved searches")
    expect(table).to_contain_text("Airship surveys")
    expect(table).to_contain_text("Daily e-mail")
    check_page(page, "saved-search-list")

    page.get_by_role("link", name=f"Change alert for {NAME}").click()
    check_page(page, "saved-search-edit")
    page.go_back()
    page.get_by_role("link", name=f"Delete {NAME}").click()
    check_page(page, "saved-search-delete")
    page.go_back()

    app = catalogue.app
    with app.app_context():
        dft = db.session.scalar(select(Organisation).where(Organisation.slug == "department-for-transport"))
        create_dataset(organisation=dft, title=f"Airship {WORD} survey 2026")
        db.session.commit()
        sync_index(index_root())
        saved = db.session.scalar(select(SavedSearch).where(SavedSearch.name == "Airship surveys"))
        db.session.execute(
            update(SavedSearch)
            .where(SavedSearch.id == saved.id)
            .values(last_alert_at=utcnow() - timedelta(days=1, minutes=1))
        )
        db.session.commit()
        assert send_due_alerts()["queued"] == 1
        reference = str(saved.id)
        send_pending()
        message = db.session.scalar(select(MailMessage).where(MailMessage.reference == reference))
        assert message.status == "sent", message.last_error
        eml = Path(app.config["MAIL_DIR"]) / message.delivered_to
        db.session.remove()
    email = BytesParser(policy=policy.default).parsebytes(eml.read_bytes())
    body = email.get_content()
    assert f"Airship {WORD} survey 2026" in body
    unsubscribe = re.search(r"^(http\S+/saved-searches/unsubscribe/\S+)$", body, re.M).group(1)

    stranger = new_context().new_page()
    stranger.goto(unsubscribe)
    expect(stranger.get_by_role("heading", level=1)).to_have_text(f"Stop e-mails for {NAME}?")
    check_page(stranger, "saved-search-unsubscribe")
    stranger.get_by_role("button", name="Stop these e-mails").click()
    expect(stranger.get_by_role("heading", level=1)).to_have_text("E-mails stopped")
    check_page(stranger, "saved-search-unsubscribed")

    stranger.goto(unsubscribe[:-3] + "xyz")
    expect(stranger.get_by_role("heading", level=1)).to_have_text("This link to stop e-mails does not work")
    check_page(stranger, "saved-search-bad-token")
