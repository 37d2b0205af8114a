"""/admin/mail: site admins see every e-mail the service has queued, newest first, filtered by
status a page at a time, and each message with its headers, its body as text and where it went;
nobody else does. Whatever a message says is shown escaped."""

from __future__ import annotations

import re
from datetime import timedelta
from email.utils import format_datetime
from html import escape

import pytest
from sqlalchemy import update

from marketplace.extensions import db
from marketplace.models import MailMessage
from marketplace.models.types import utcnow
from marketplace.services.mail import queue_message, send_pending
from marketplace.web import mail_pages
from tests.factories import create_organisation, create_user
from tests.web.pages import TITLE_SUFFIX, h1_of, page, title_of


@pytest.fixture
def admin(app, signed_in):
    return signed_in(create_user(email="sam@cabinetoffice.gov.uk", roles=("site_admin",)))


@pytest.fixture
def mail_dir(app, tmp_path):
    app.config.update(MAIL_SERVER="", MAIL_DIR=str(tmp_path / "mail"))
    return tmp_path / "mail"


def _queue(subject: str, *, body: str = "Hello\n", hours_ago: int = 0, **values) -> MailMessage:
    message = queue_message(to="ann@dwp.gov.uk", subject=subject, body=body, kind="access_request.submitted")
    db.session.commit()
    values.setdefault("created_at", utcnow() - timedelta(hours=hours_ago))
    db.session.execute(update(MailMessage).where(MailMessage.id == message.id).values(**values))
    db.session.commit()
    return message


def test_site_admins_see_the_outbox_newest_first_with_status_tries_and_errors(admin):
    _queue("Oldest", hours_ago=3, status="sent", attempts=1)
    _queue("Middle", hours_ago=2, status="failed", attempts=8, last_error="cannot connect: refused")
    _queue("Newest", hours_ago=1)
    html = page(admin, "/admin/mail", status=200).text
    assert title_of(html) == f"Sent e-mail{TITLE_SUFFIX}" and h1_of(html) == "Sent e-mail"
    assert html.index("Newest") < html.index("Middle") < html.index("Oldest")
    assert "3 messages" in html and "cannot connect: refused" in html
    assert "ann@dwp.gov.uk" in html and "access_request.submitted" in html
    for status in ("Pending", "Failed", "Sent"):
        assert f'<td class="govuk-table__cell">{status}</td>' in html


def test_the_outbox_is_filtered_by_status_and_paged_keeping_the_filter(admin, monkeypatch):
    monkeypatch.setattr(mail_pages, "MESSAGES_PER_PAGE", 2)
    for number in range(1, 4):
        _queue(f"Failed {number}", hours_ago=10 - number, status="failed")
    _queue("Still pending")
    html = page(admin, "/admin/mail?status=failed", status=200).text
    assert "3 failed messages" in html and "Still pending" not in html
    assert "Failed 3" in html and "Failed 2" in html and "Failed 1" not in html
    assert '<option value="failed" selected>' in html
    assert 'href="/admin/mail?page=2&amp;status=failed"' in html
    second = page(admin, "/admin/mail?page=2&status=failed", status=200).text
    assert "Failed 1" in second and "Failed 3" not in second
    assert "There are no messages sent." in page(admin, "/admin/mail?status=sent", status=200).text
    page(admin, "/admin/mail?status=lost", status=400)
    page(admin, "/admin/mail?page=0", status=400)


def _summary_rows(html: str) -> dict[str, str]:
    """Each summary list row's key and value, as the page has them (escaped)."""
    key = r'<dt class="govuk-summary-list__key">\s*(.*?)\s*</dt>\s*'
    value = r'<dd class="govuk-summary-list__value">\s*(.*?)\s*</dd>'
    return dict(re.findall(key + value, html, re.S))


def test_a_message_shows_its_headers_body_and_the_file_it_was_written_to(app, admin, mail_dir):
    message = _queue("Your request DSR-7 was accepted", body="Dear Ann,\n\n  It was accepted.\n")
    send_pending()
    html = page(admin, f"/admin/mail/{message.id}", status=200).text
    assert title_of(html) == f"E-mail {message.id}{TITLE_SUFFIX}"
    assert h1_of(html) == "Your request DSR-7 was accepted"
    name = f"{message.created_at:%Y%m%dT%H%M%S}-{message.id}.eml"
    assert (mail_dir / name).exists() and f"Written to the file {name}." in html
    rows = _summary_rows(html)
    assert rows["Status"] == "Sent" and rows["Tries"] == "1"
    assert rows["Message-ID"] == escape(message.message_id)
    assert rows["From"] == escape(app.config["MAIL_FROM"]) and rows["To"] == "ann@dwp.gov.uk"
    assert rows["Subject"] == "Your request DSR-7 was accepted"
    assert rows["Date"] == format_datetime(message.created_at)
    assert "Dear Ann,\n\n  It was accepted.\n</pre>" in html
    assert 'href="/admin/mail"' in html  # back to the list


def test_a_message_waiting_after_a_failure_says_when_it_is_tried_again(admin):
    message = _queue("Waiting", attempts=2, last_error="SMTPRecipientsRefused: 550 no such mailbox")
    html = page(admin, f"/admin/mail/{message.id}", status=200).text
    assert "Waiting to be sent, next try" in html and "550 no such mailbox" in html


def test_html_in_a_subject_or_body_is_shown_as_text(admin):
    message = _queue("<script>alert(1)</script>", body="<b>bold</b> & <img src=x onerror=alert(2)>\n")
    listing = page(admin, "/admin/mail", status=200).text
    shown = page(admin, f"/admin/mail/{message.id}", status=200).text
    for html in (listing, shown):
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert(1)" not in html
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; &lt;img src=x onerror=alert(2)&gt;" in shown
    assert "<b>bold</b>" not in shown and "<img src=x" not in shown


def test_an_unknown_message_is_not_found(admin):
    page(admin, "/admin/mail/12345", status=404)
    page(admin, f"/admin/mail/{2**63}", status=404)


@pytest.mark.parametrize("roles", [("member",), ("publisher",), ("org_admin",), ("reviewer",)])
def test_only_site_admins_may_see_the_outbox(app, signed_in, roles):
    message = _queue("Private")
    for path in ("/admin/mail", f"/admin/mail/{message.id}"):
        signed_out = app.test_client().get(path, headers={"Accept": "text/html"})
        assert signed_out.status_code == 302 and signed_out.headers["Location"].startswith("/login")
    person = create_user(email="ann@dft.gov.uk", organisation=create_organisation(), roles=roles)
    client = signed_in(person)
    for path in ("/admin/mail", f"/admin/mail/{message.id}"):
        assert "Private" not in page(client, path, status=403).text


def test_the_account_page_links_site_admins_to_the_outbox(app, admin, signed_in):
    assert 'href="/admin/mail">Sent e-mail</a>' in page(admin, "/account", status=200).text
    publisher = create_user(email="pat@dft.gov.uk", organisation=create_organisation(), roles=("publisher",))
    assert "/admin/mail" not in page(signed_in(publisher), "/account", status=200).text
