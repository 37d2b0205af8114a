"""The pages about the service (issue 12, point 10): the accessibility statement, cookies and
privacy, each with its title, one h1 and headings in order, signed in or not, and each stating
what the running service does (the cookie's name, protections and session limits come from the
configuration it runs with)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from itertools import pairwise

import pytest

from marketplace.config import load_config
from tests.factories import create_user
from tests.production import production_settings
from tests.web.pages import TITLE_SUFFIX, h1_of, page, title_of

APOSTROPHE = "\N{RIGHT SINGLE QUOTATION MARK}"  # as GOV.UK writes it
# (path, h1, the page's name in its title)
PAGES = [
    (
        "/accessibility-statement",
        "Accessibility statement for the Data Marketplace",
        "Accessibility statement",
    ),
    ("/cookies", "Cookies", "Cookies"),
    ("/privacy", "Privacy notice", "Privacy notice"),
    ("/feedback", "Give feedback on the Data Marketplace", "Give feedback on the Data Marketplace"),
]


class _Headings(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.levels: list[int] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if re.fullmatch(r"h[1-6]", tag):
            self.levels.append(int(tag[1]))


def heading_levels(html: str) -> list[int]:
    """The level of each heading in <main>, in order."""
    parser = _Headings()
    parser.feed(html[html.index("<main") : html.index("</main>")])
    return parser.levels


def text_of(html: str) -> str:
    main = html[html.index("<main") : html.index("</main>")]
    return " ".join(re.sub(r"<[^>]+>", " ", main).split())


@pytest.mark.parametrize(("path", "heading", "title"), PAGES)
def test_each_page_has_its_title_one_h1_and_headings_in_order_signed_out_and_signed_in(
    app, signed_in, path, heading, title
):
    for client in (app.test_client(), signed_in(create_user(email="ann@cabinetoffice.gov.uk", roles=()))):
        html = page(client, path, status=200).text
        assert title_of(html) == f"{title}{TITLE_SUFFIX}"
        assert h1_of(html) == heading
        levels = heading_levels(html)
        assert levels[0] == 1 and levels.count(1) == 1 and html.count("<h1") == 1
        assert all(after <= before + 1 for before, after in pairwise(levels)), levels


def test_the_footer_links_reach_every_page(client):
    html = page(client, "/", status=200).text
    footer = html[html.index('<div class="govuk-footer">') :]
    for path, _, _ in PAGES:
        assert f'href="{path}"' in footer
        page(client, path, status=200)


def test_the_cookies_page_states_the_cookie_and_session_limits_the_service_runs_with(app, client):
    text = text_of(page(client, "/cookies", status=200).text)
    assert "marketplace_session" in text
    assert "ends after 60 minutes without using the service, or 12 hours after you signed in" in text
    assert "deletes the cookie 12 hours after your last visit" in text
    app.config.update(SESSION_COOKIE_NAME="dm_session", SESSION_IDLE_MINUTES=30, SESSION_ABSOLUTE_HOURS=8)
    html = page(client, "/cookies", status=200).text
    assert '<code id="cookie-name">dm_session</code>' in html and "marketplace_session" not in html
    assert "ends after 30 minutes without using the service, or 8 hours after you signed in" in text_of(html)


def test_the_cookies_page_says_only_what_the_cookie_is_protected_by(app, client):
    def protection() -> str:
        html = page(client, "/cookies", status=200).text
        return " ".join(re.search(r'id="cookie-protection">(.*?)</p>', html, re.DOTALL).group(1).split())

    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_SECURE=True)
    assert protection() == (
        "The cookie is signed, so it cannot be changed without the service noticing. "
        "Scripts on the page cannot read it. "
        "Other websites cannot make your browser send it with a form they submit. "
        "It is sent only over an encrypted (HTTPS) connection."
    )
    # As in development, over plain http on this machine.
    app.config.update(
        SESSION_COOKIE_HTTPONLY=False, SESSION_COOKIE_SAMESITE=None, SESSION_COOKIE_SECURE=False
    )
    assert protection() == "The cookie is signed, so it cannot be changed without the service noticing."


def test_the_cookies_page_names_what_the_cookie_holds_and_that_no_consent_is_asked(client):
    text = text_of(page(client, "/cookies", status=200).text)
    for words in (
        "SHA-256 hash",
        "CSRF token",
        "at most 3 sign-ins",
        "shown once",
        "cannot be read after 10 minutes",
        "We do not use analytics or advertising cookies",
        "we do not ask",
        "GOV.UK One Login cookies page",
    ):
        assert words in text, words


def test_in_production_the_cookie_has_every_protection_the_page_names(tmp_path):
    config = load_config(str(tmp_path), production_settings(tmp_path))
    protections = ("SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE", "SESSION_COOKIE_SECURE")
    assert [config[key] for key in protections] == [True, "Lax", True]


def test_the_accessibility_statement_follows_govuks_sample_and_says_when_it_was_prepared(client):
    html = page(client, "/accessibility-statement", status=200).text
    assert re.findall(r'<h2 class="govuk-heading-l">(.*?)</h2>', html) == [
        "How accessible this service is",
        "Feedback and contact information",
        "Reporting accessibility problems with this service",
        "Enforcement procedure",
        f"Technical information about this service{APOSTROPHE}s accessibility",
        "Non-accessible content",
        f"What we{APOSTROPHE}re doing to improve accessibility",
        "Preparation of this accessibility statement",
    ]
    text = text_of(html)
    assert "This statement was prepared on 4 December 2026. It was last reviewed on 4 December 2026." in text
    assert "partially compliant with the Web Content Accessibility Guidelines version 2.2 AA standard" in text
    assert (
        "Equality and Human Rights Commission" in text and "Equality Commission for Northern Ireland" in text
    )
    assert "1.4.10 (reflow)" in text and "axe-core" in text
    assert 'href="/feedback?from=%2Faccessibility-statement"' in html


def test_the_privacy_notice_names_what_is_held_the_lawful_basis_and_the_complaint_route(app, client):
    text = text_of(page(client, "/privacy", status=200).text)
    for words in (
        "subject identifier",
        "who made the change and when",
        "A session ends after 60 minutes without use or 12 hours after you signed in",
        "We store only a scrambled copy (a hash) of each token",
        f"Only people in the entry{APOSTROPHE}s organisation, and site admins, can see who made a change",
        "Only site admins can read feedback",
        "internet (IP) address",
        "for an hour at most",
        "Article 6(1)(e)",
        f"Information Commissioner{APOSTROPHE}s Office (ICO)",
    ):
        assert words in text, words
    app.config.update(SESSION_IDLE_MINUTES=15, SESSION_ABSOLUTE_HOURS=4)
    assert "A session ends after 15 minutes without use or 4 hours" in text_of(
        page(client, "/privacy", status=200).text
    )


def test_the_privacy_notice_says_how_long_prune_keeps_sessions_and_e_mail(app, client):
    text = text_of(page(client, "/privacy", status=200).text)
    assert "Session records: kept for 90 days after the session ends" in text
    assert "E-mail the service sent you: kept for 90 days after it was sent" in text
    app.config.update(SESSION_RETENTION_DAYS=30, MAIL_RETENTION_DAYS=14)
    text = text_of(page(client, "/privacy", status=200).text)
    assert "kept for 30 days after the session ends" in text and "kept for 14 days after it was sent" in text
