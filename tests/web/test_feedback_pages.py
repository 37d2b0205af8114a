"""The feedback page: what is sent is kept with the page it came from (a path on this site only),
then a thank-you page after a redirect; every bad input gets the GOV.UK error summary linked to
its field, and nothing is kept; site admins read it all, escaped, a page at a time."""

from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.models import Feedback
from marketplace.web import service_pages
from tests.factories import create_organisation, create_user
from tests.web.pages import TITLE_SUFFIX, h1_of, page, title_of


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _hidden_page(html: str) -> str:
    """The hidden field's value, as a browser would send it."""
    return unescape(re.search(r'name="page" value="([^"]*)"', html).group(1))


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(Feedback))


def _send(client, data: dict, *, status: int, came_from: str = ""):
    """Open the form (from `came_from`), send it as a browser would with `data`; the response."""
    form = page(client, "/feedback" + (f"?from={came_from}" if came_from else ""), status=200).text
    response = client.post(
        "/feedback",
        data={"csrf_token": _csrf(form), "page": _hidden_page(form), **data},
        headers={"Accept": "text/html"},
    )
    assert response.status_code == status, response.status_code
    return response


def test_feedback_is_kept_then_a_redirect_leads_to_the_thank_you_page_and_back(app, signed_in):
    user = create_user(email="ann@cabinetoffice.gov.uk", roles=())
    client = signed_in(user)
    sent = _send(
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
    assert sent.headers["Location"] == "/feedback/sent?from=/datasets?q%3Dwaiting"
    thanks = page(client, sent.headers["Location"], status=200).text
    assert h1_of(thanks) == "Thank you for your feedback"
    assert title_of(thanks) == f"Feedback sent{TITLE_SUFFIX}"
    assert '<a class="govuk-link" id="back-to-page" href="/datasets?q=waiting">' in thanks
    # Reloading the thank-you page sends nothing again.
    page(client, sent.headers["Location"], status=200)
    assert _count() == 1


def test_anonymous_feedback_needs_only_the_message_and_keeps_no_person(app):
    client = app.test_client()
    sent = _send(client, {"message": "Useful."}, status=303)
    kept = db.session.scalar(select(Feedback))
    assert (kept.message, kept.doing, kept.reply_to, kept.page, kept.user_id) == (
        "Useful.",
        None,
        None,
        None,
        None,
    )
    thanks = page(client, sent.headers["Location"], status=200).text
    assert sent.headers["Location"] == "/feedback/sent" and 'id="back-to-page"' not in thanks


@pytest.mark.parametrize(
    "came_from",
    [
        "//evil.example",
        "https%3A//evil.example",
        "https://evil.example/",
        "javascript:alert(1)",
        "%5C%5Cevil",
        "/%5Cevil.example",
        "/%09/evil.example",
    ],
)
def test_only_a_path_on_this_site_is_carried_and_kept_as_where_it_came_from(app, came_from):
    client = app.test_client()
    form = page(client, f"/feedback?from={came_from}", status=200).text
    assert _hidden_page(form) == ""
    # Sent by hand, the service still keeps only a path on this site, and the thank-you page offers none.
    sent = client.post(
        "/feedback", data={"csrf_token": _csrf(form), "message": "Hi", "page": "//evil.example"}
    )
    assert sent.status_code == 303 and sent.headers["Location"] == "/feedback/sent"
    assert db.session.scalar(select(Feedback)).page is None
    thanks = page(client, f"/feedback/sent?from={came_from}", status=200).text
    assert 'id="back-to-page"' not in thanks


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"message": ""}, "message", "Enter what you want to tell us"),
        ({"message": "  \r\n "}, "message", "Enter what you want to tell us"),
        ({"message": "x" * 2001}, "message", "What you want to tell us: Must be 2000 characters or fewer."),
        (
            {"message": "Hi", "doing": "x" * 1001},
            "doing",
            "What were you trying to do: Must be 1000 characters or fewer.",
        ),
        (
            {"message": "Hi", "reply_to": "not an address"},
            "reply_to",
            "Email address: Not a valid e-mail address.",
        ),
        (
            {"message": "Hi", "reply_to": "a" * 250 + "@x.gov.uk"},
            "reply_to",
            "Email address: Must be 254 characters or fewer.",
        ),
        ({"message": "Hi\x00there"}, "message", "What you want to tell us: Must not contain NUL characters"),
        (
            {"message": "Hi", "doing": "\x00"},
            "doing",
            "What were you trying to do: Must not contain NUL characters",
        ),
    ],
)
def test_bad_feedback_gets_the_error_summary_linked_to_its_field_and_nothing_is_kept(app, data, field, words):
    html = _send(app.test_client(), data, status=400).get_data(as_text=True)
    assert title_of(html).startswith("Error: ")
    summary = html[html.index("govuk-error-summary") : html.index("</main>")]
    assert f'<a href="#{field}">{words}' in summary
    # The message is beside the field too, and what was typed is kept to correct (escaped).
    assert f'id="{field}-error"' in html
    assert _count() == 0


def test_what_was_typed_is_shown_again_escaped_after_an_error(app):
    html = _send(
        app.test_client(),
        {"message": "", "doing": "<b>bold</b>", "reply_to": '"><script>x</script>'},
        status=400,
        came_from="/datasets",
    ).get_data(as_text=True)
    assert "&lt;b&gt;bold&lt;/b&gt;" in html and "<b>bold</b>" not in html and "<script>x" not in html
    assert _hidden_page(html) == "/datasets"


def test_feedback_without_its_form_token_is_refused_and_nothing_is_kept(app):
    response = app.test_client().post("/feedback", data={"message": "Hi"}, headers={"Accept": "text/html"})
    assert response.status_code == 400 and _count() == 0


def test_site_admins_read_feedback_newest_first_with_html_shown_as_text(app, signed_in):
    client = app.test_client()
    _send(client, {"message": "First"}, status=303)
    _send(
        client,
        {"message": "<script>alert(1)</script>", "doing": "<i>x</i>"},
        status=303,
        came_from="/a%3Cb%3E",
    )
    admin = signed_in(create_user(email="sam@cabinetoffice.gov.uk", roles=("site_admin",)))
    html = page(admin, "/feedback/received", status=200).text
    assert title_of(html) == f"Feedback received{TITLE_SUFFIX}" and h1_of(html) == "Feedback received"
    assert "2 messages, newest first." in html
    assert html.index("&lt;script&gt;alert(1)&lt;/script&gt;") < html.index("First")
    assert "&lt;i&gt;x&lt;/i&gt;" in html and "/a&lt;b&gt;" in html
    assert "<script>alert(1)" not in html and "<i>x</i>" not in html and "/a<b>" not in html


def test_the_feedback_received_is_paginated(app, signed_in, monkeypatch):
    monkeypatch.setattr(service_pages, "FEEDBACK_PER_PAGE", 2)
    client = app.test_client()
    for number in range(1, 4):
        _send(client, {"message": f"Message {number}"}, status=303)
    admin = signed_in(create_user(email="sam@cabinetoffice.gov.uk", roles=("site_admin",)))
    first = page(admin, "/feedback/received", status=200).text
    assert "Message 3" in first and "Message 2" in first and "Message 1" not in first
    assert 'href="/feedback/received?page=2"' in first
    second = page(admin, "/feedback/received?page=2", status=200).text
    assert "Message 1" in second and "Message 3" not in second
    assert 'href="/feedback/received?page=1"' in second
    page(admin, "/feedback/received?page=0", status=400)


@pytest.mark.parametrize("roles", [("member",), ("publisher",), ("org_admin",)])
def test_only_site_admins_may_read_feedback(app, signed_in, roles):
    signed_out = app.test_client().get("/feedback/received", headers={"Accept": "text/html"})
    assert signed_out.status_code == 302 and signed_out.headers["Location"].startswith("/login")
    member = create_user(email="ann@dft.gov.uk", organisation=create_organisation(), roles=roles)
    page(signed_in(member), "/feedback/received", status=403)
