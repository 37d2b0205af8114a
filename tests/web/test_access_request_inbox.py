"""An organisation's data share request inbox (issue 16): who may open it, its filters, order and
pages, its figures and CSV, and the org admin's data share mailbox page."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest

from marketplace.extensions import db
from marketplace.services.access_request_figures import summarise_access_requests
from marketplace.web import access_request_inbox
from tests.access_request_factories import World, complete_answers, create_request, create_world
from tests.factories import create_dataset
from tests.web.pages import page, title_of
from tests.web.publishing import csrf


@pytest.fixture
def world(app) -> World:
    return create_world()


def inbox(world: World, query: str = "") -> str:
    return f"/organisations/{world.owner.slug}/access-requests{query}"


def references(html: str) -> list[str]:
    return re.findall(r'href="/access-requests/[^"]+">(DSR-[A-Z0-9]+)</a>', html)


def backdate(access_request, days: int) -> None:
    access_request.submitted_at = datetime.now(UTC) - timedelta(days=days)
    db.session.commit()


# Who may see it ------------------------------------------------------------------------------


def test_signed_out_visitors_are_sent_to_sign_in(world, client):
    response = client.get(inbox(world), headers={"Accept": "text/html"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("who", ["requester", "stranger", "other_reviewer"])
def test_people_who_do_not_review_for_the_organisation_are_refused(world, signed_in, who):
    create_request(world, "submitted")
    client = signed_in(getattr(world, who))
    page(client, inbox(world), status=403)
    page(client, inbox(world, ".csv"), status=403)


@pytest.mark.parametrize("who", ["reviewer", "org_admin", "site_admin"])
def test_reviewers_org_admins_and_site_admins_see_submitted_requests(world, signed_in, who):
    sent = create_request(world, "submitted")
    html = page(signed_in(getattr(world, who)), inbox(world), status=200).text
    assert references(html) == [sent.reference]
    assert title_of(html).startswith("Data share requests for Department for Work and Pensions")
    assert world.requester.email in html


def test_drafts_are_never_listed(world, signed_in):
    draft = create_request(world, "draft")
    html = page(signed_in(world.reviewer), inbox(world), status=200).text
    assert draft.reference not in html and "No requests match" in html


# Filters, order and pages --------------------------------------------------------------------


def test_each_status_filter_narrows_to_that_status(world, signed_in):
    made = {status: create_request(world, status) for status in access_request_inbox.INBOX_STATUSES}
    client = signed_in(world.reviewer)
    for status, access_request in made.items():
        html = page(client, inbox(world, f"?status={status}"), status=200).text
        assert references(html) == [access_request.reference], status
    both = page(client, inbox(world, "?status=accepted&status=rejected"), status=200).text
    assert sorted(references(both)) == sorted([made["accepted"].reference, made["rejected"].reference])


def test_the_entry_filter_narrows_to_that_entry_and_offers_only_requested_entries(world, signed_in):
    first = create_request(world, "submitted")
    other_entry = create_dataset(
        organisation=world.owner, title="Housing Benefit caseload", access_rights="INTERNAL"
    )
    create_dataset(organisation=world.owner, title="Never asked for", access_rights="INTERNAL")
    world.dataset, kept = other_entry, world.dataset
    second = create_request(world, "submitted")
    world.dataset = kept
    client = signed_in(world.reviewer)
    html = page(client, inbox(world), status=200).text
    assert "Housing Benefit caseload" in html and "Never asked for" not in html
    assert references(page(client, inbox(world, f"?entry={other_entry.id}"), status=200).text) == [
        second.reference
    ]
    assert first.reference not in page(client, inbox(world, f"?entry={other_entry.id}"), status=200).text


def test_the_age_filter_keeps_requests_older_than_the_days_chosen(world, signed_in):
    old, middle, new = (create_request(world, "submitted") for _ in range(3))
    backdate(old, 40)
    backdate(middle, 10)
    client = signed_in(world.reviewer)
    assert references(page(client, inbox(world, "?age=30"), status=200).text) == [old.reference]
    assert references(page(client, inbox(world, "?age=7"), status=200).text) == [
        old.reference,
        middle.reference,
    ]
    assert len(references(page(client, inbox(world, "?age="), status=200).text)) == 3
    assert new.reference in page(client, inbox(world), status=200).text


def test_requests_are_oldest_first_unless_recently_updated_is_chosen(world, signed_in):
    made = [create_request(world, "submitted") for _ in range(3)]
    for days, access_request in zip((5, 20, 10), made, strict=True):
        backdate(access_request, days)
    client = signed_in(world.reviewer)
    oldest = [made[1].reference, made[2].reference, made[0].reference]
    assert references(page(client, inbox(world), status=200).text) == oldest
    made[1].updated_at = datetime.now(UTC) + timedelta(minutes=5)
    db.session.commit()
    updated = references(page(client, inbox(world, "?sort=updated"), status=200).text)
    assert updated[0] == made[1].reference


def test_requests_come_a_page_at_a_time_with_filters_kept_in_the_links(world, signed_in, monkeypatch):
    monkeypatch.setattr(access_request_inbox, "PER_PAGE", 2)
    made = [create_request(world, "submitted") for _ in range(3)]
    for days, access_request in zip((30, 20, 10), made, strict=True):
        backdate(access_request, days)
    client = signed_in(world.reviewer)
    first = page(client, inbox(world, "?status=submitted"), status=200).text
    assert references(first) == [made[0].reference, made[1].reference]
    assert 'class="govuk-pagination' in first
    next_link = re.search(r'class="govuk-pagination__next">\s*<a[^>]*href="([^"]+)"', first).group(1)
    assert "status=submitted" in next_link and "page=2" in next_link
    second = page(client, next_link.replace("&amp;", "&"), status=200).text
    assert references(second) == [made[2].reference]


@pytest.mark.parametrize(
    "query, field",
    [
        ("?status=draft", "status"),
        ("?status=nonsense", "status"),
        ("?entry=not-a-uuid", "entry"),
        ("?entry=00000000-0000-0000-0000-000000000000", "entry"),
        ("?age=3", "age"),
        ("?sort=title", "sort"),
        ("?page=0", "page"),
        ("?page=x", "page"),
    ],
)
def test_bad_filter_values_show_an_error_summary(world, signed_in, query, field):
    create_request(world, "submitted")
    html = page(signed_in(world.reviewer), inbox(world, query), status=400).text
    assert title_of(html).startswith("Error: ")
    summary = re.search(r'class="govuk-error-summary".*?</ul>', html, re.S).group(0)
    assert f'href="#{field}"' in summary
    assert f'id="{field}"' in html


# Figures and CSV -----------------------------------------------------------------------------


def test_the_figures_shown_are_the_services(world, signed_in):
    create_request(world, "submitted")
    create_request(world, "in_review")
    create_request(world, "accepted")
    create_request(world, "rejected")
    create_request(world, "returned")
    figures = summarise_access_requests(world.actor(world.reviewer), world.owner)
    html = page(signed_in(world.reviewer), inbox(world), status=200).text
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    assert f"Open requests {figures['open']} (1 submitted, 1 in review)" in text
    median = figures["days_to_decision"]["median"]
    assert f"Median days to a decision {median:.1f} days" in text
    assert f"90th percentile days to a decision {figures['days_to_decision']['p90']:.1f} days" in text
    for label, key in (
        ("Accepted", "accepted"),
        ("Rejected", "rejected"),
        ("Returned for changes", "returned"),
    ):
        assert f"{label} {figures['decisions'][key]}" in text
    assert f'href="/organisations/{world.owner.slug}/access-requests.csv"' in html


def test_the_csv_has_its_headings_and_no_formula(world, signed_in):
    answers = complete_answers() | {"purpose": '=HYPERLINK("http://evil.example","x")'}
    sent = create_request(world, "submitted", answers=answers)
    response = signed_in(world.reviewer).get(inbox(world, ".csv"))
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response.headers["Cache-Control"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["reference", "status", "entry"] and "purpose" in rows[0]
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["reference"] == sent.reference
    assert row["purpose"] == "'" + answers["purpose"]


# The data share mailbox ----------------------------------------------------------------------


def mailbox(world: World) -> str:
    return inbox(world, "/mailbox")


def save_mailbox(client, world: World, address: str, *, status: int) -> str:
    token = csrf(page(client, mailbox(world), status=200).text)
    response = client.post(
        mailbox(world),
        data={"csrf_token": token, "access_request_mailbox": address},
        headers={"Accept": "text/html"},
    )
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    return response.get_data(as_text=True)


@pytest.mark.parametrize("who", ["org_admin", "site_admin"])
def test_org_admins_set_the_mailbox_and_the_inbox_shows_it(world, signed_in, who):
    client = signed_in(getattr(world, who))
    save_mailbox(client, world, " data.sharing@dwp.gov.uk ", status=303)
    db.session.refresh(world.owner)
    assert world.owner.access_request_mailbox == "data.sharing@dwp.gov.uk"
    html = page(client, inbox(world), status=200).text
    assert "data.sharing@dwp.gov.uk" in html and f'href="{mailbox(world)}"' in html


def test_org_admins_clear_the_mailbox(world, signed_in):
    world.owner.access_request_mailbox = "data.sharing@dwp.gov.uk"
    db.session.commit()
    save_mailbox(signed_in(world.org_admin), world, "", status=303)
    db.session.refresh(world.owner)
    assert world.owner.access_request_mailbox is None


def test_a_bad_address_is_shown_in_an_error_summary_and_not_saved(world, signed_in):
    html = save_mailbox(signed_in(world.org_admin), world, "not an address", status=400)
    assert title_of(html).startswith("Error: ") and 'href="#access_request_mailbox"' in html
    assert 'value="not an address"' in html
    db.session.refresh(world.owner)
    assert world.owner.access_request_mailbox is None


def test_reviewers_are_refused_the_mailbox_page_and_shown_no_change_link(world, signed_in):
    client = signed_in(world.reviewer)
    page(client, mailbox(world), status=403)
    response = client.post(mailbox(world), data={"access_request_mailbox": "x@dwp.gov.uk"})
    assert response.status_code in (400, 403)
    assert f'href="{mailbox(world)}"' not in page(client, inbox(world), status=200).text
    db.session.refresh(world.owner)
    assert world.owner.access_request_mailbox is None


def test_a_mailbox_change_without_its_csrf_token_is_refused(world, signed_in):
    client = signed_in(world.org_admin)
    response = client.post(
        mailbox(world), data={"access_request_mailbox": "x@dwp.gov.uk"}, headers={"Accept": "text/html"}
    )
    assert response.status_code == 400
    db.session.refresh(world.owner)
    assert world.owner.access_request_mailbox is None


# Links ---------------------------------------------------------------------------------------


def test_reviewers_find_the_inbox_from_their_account_and_the_organisation_page(world, signed_in):
    client = signed_in(world.reviewer)
    for path in ("/account", f"/organisations/{world.owner.slug}"):
        assert f'href="{inbox(world)}"' in page(client, path, status=200).text, path
    stranger = signed_in(world.stranger)
    for path in ("/account", f"/organisations/{world.owner.slug}"):
        assert f'href="{inbox(world)}"' not in page(stranger, path, status=200).text, path
