"""The pages about the service (issue 12, point 10): accessibility statement, cookies and privacy,
each stating what the running service does, and feedback that is kept for site admins to read,
with every bad input refused and nothing kept."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.models import Feedback
from tests.factories import create_organisation, create_user
from tests.web.pages import h1_of, page, title_of

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


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(Feedback))


@pytest.mark.parametrize(("path", "heading", "title"), PAGES)
def test_each_page_opens_signed_out_and_signed_in_with_its_title(app, signed_in, path, heading, title):
    for client in (
        app.test_client(),
        signed_in(create_user(email=f"ann{len(path)}@cabinetoffice.gov.uk", roles=())),
    ):
        html = page(client, path, status=200).text
        assert h1_of(html) == heading
        assert title_of(html) == f"{title} \N{EN DASH} Data Marketplace \N{EN DASH} GOV.UK"


def test_the_footer_links_reach_every_page(client):
    html = page(client, "/", status=200).text
    footer = html[html.index('<div class="govuk-footer">') :]
    for path, _, _ in PAGES:
        assert f'href="{path}"' in footer
        page(client, path, status=200)


def test_the_cookies_page_states_the_cookie_and_session_limits_the_service_runs_with(app, client):
    html = page(client, "/cookies", status=200).text
    assert '<code id="cookie-name">marketplace_session</code>' in html
    assert "After 60 minutes without using the service, or 12 hours after you signed in" in html
    app.config.update(SESSION_COOKIE_NAME="dm_session", SESSION_IDLE_MINUTES=30, SESSION_ABSOLUTE_HOURS=8)
    html = page(client, "/cookies", status=200).text
    assert '<code id="cookie-name">dm_session</code>' in html
    assert "After 30 minutes without using the service, or 8 hours after you signed in" in html
    assert "analytics" in html and "do not ask for consent" in html


def test_the_accessibility_statement_says_when_it_was_prepared_and_its_compliance(client):
    html = page(client, "/accessibility-statement", status=200).text
    assert "This statement was prepared on 4 December 2026. It was last reviewed on 4 December 2026." in html
    assert "partially compliant" in html and "Equality Advisory and Support Service" in html


def test_the_privacy_notice_names_what_is_held_and_the_complaint_route(client):
    text = " ".join(re.sub(r"<[^>]+>", " ", page(client, "/privacy", status=200).text).split())
    for words in ("Your email address", "API tokens", "IP", "public interest", "Information Commissioner"):
        assert words in text


# Feedback ---------------------------------------------------------------------------------------


def _send(client, data: dict, *, status: int, came_from: str = "") -> str:
    path = "/feedback" + (f"?from={came_from}" if came_from else "")
    form = page(client, path, status=200).text
    hidden_page = re.search(r'name="page" value="([^"]*)"', form).group(1)
    response = client.post(
        "/feedback",
        data={"csrf_token": _csrf(form), "page": hidden_page, **data},
        headers={"Accept": "text/html"},
    )
    assert response.status_code == status, response.status_code
    return response.get_data(as_text=True)


def test_feedback_is_kept_with_the_page_it_came_from_then_a_thank_you_page(app, signed_in):
    user = create_user(email="ann@cabinetoffice.gov.uk", roles=())
    client = signed_in(user)
    _send(
        client,
        {
            "doing": "Find waiting times",
            "message": "The filters were hard to use.",
            "reply_to": "ann@cabinetoffice.gov.uk",
        },
        status=303,
        came_from="/datasets%3Fq%3Dwaiting",
    )
    kept = db.session.scalar(select(Feedback))
    assert (kept.doing, kept.message, kept.reply_to, kept.page, kept.user_id) == (
        "Find waiting times",
        "The filters were hard to use.",
        "ann@cabinetoffice.gov.uk",
        "/datasets?q=waiting",
        user.id,
    )
    assert "Thank you for your feedback" in page(client, "/feedback/sent", status=200).text


def test_only_the_message_is_needed_and_anonymous_feedback_is_kept_without_a_person(app):
    _send(app.test_client(), {"message": "Useful."}, status=303)
    kept = db.session.scalar(select(Feedback))
    assert (kept.message, kept.doing, kept.reply_to, kept.page, kept.user_id) == (
        "Useful.",
        None,
        None,
        None,
        None,
    )


@pytest.mark.parametrize(
    "came_from", ["//evil.example", "https%3A//evil.example", "javascript:alert(1)", "%5C%5Cevil"]
)
def test_only_a_page_of_this_site_is_kept_as_where_it_came_from(app, came_from):
    client = app.test_client()
    form = page(client, f"/feedback?from={came_from}", status=200).text
    assert re.search(r'name="page" value=""', form)
    # Sent by hand too: the service keeps only a path on this site.
    client.post("/feedback", data={"csrf_token": _csrf(form), "message": "Hi", "page": "//evil.example"})
    assert db.session.scalar(select(Feedback)).page is None


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"message": ""}, "message", "Enter what you want to tell us"),
        ({"message": "   "}, "message", "Enter what you want to tell us"),
        ({"message": "x" * 2001}, "message", "2000 characters or fewer"),
        ({"message": "Hi", "doing": "x" * 1001}, "doing", "1000 characters or fewer"),
        ({"message": "Hi", "reply_to": "not an address"}, "reply_to", "Not a valid e-mail address"),
        ({"message": "Hi", "reply_to": "a" * 250 + "@x.gov.uk"}, "reply_to", "254 characters or fewer"),
        ({"message": "Hi\x00there"}, "message", ""),
    ],
)
def test_bad_feedback_gets_the_error_summary_and_nothing_is_kept(app, data, field, words):
    html = _send(app.test_client(), data, status=400)
    assert title_of(html).startswith("Error: ") and f'href="#{field}"' in html and words in html
    assert _count() == 0


def test_feedback_without_its_form_token_is_refused(app):
    response = app.test_client().post("/feedback", data={"message": "Hi"}, headers={"Accept": "text/html"})
    assert response.status_code == 400 and _count() == 0


def test_site_admins_read_feedback_newest_first_escaped_and_nobody_else_can(app, signed_in):
    client = app.test_client()
    _send(client, {"message": "First"}, status=303)
    _send(client, {"message": "<script>alert(1)</script>"}, status=303)
    admin = signed_in(create_user(email="sam@cabinetoffice.gov.uk", roles=("site_admin",)))
    html = page(admin, "/feedback/received", status=200).text
    assert "2 messages, newest first." in html
    assert html.index("&lt;script&gt;alert(1)&lt;/script&gt;") < html.index("First")
    assert "<script>alert(1)</script>" not in html
    dft = create_organisation()
    member = create_user(email="ann@dft.gov.uk", organisation=dft, roles=("org_admin",))
    page(signed_in(member), "/feedback/received", status=403)
    assert app.test_client().get("/feedback/received").status_code == 302  # signed out: sign in
    page(admin, "/feedback/received?page=0", status=400)
