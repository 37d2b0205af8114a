"""Data share request pages (issue 16): "Request this data", the task list, one page per section,
check and submit, and the request page both sides read and decide on. Every rule is the
service's; these tests hold what the pages show and keep when the answers or the moment are wrong."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from marketplace.extensions import db
from marketplace.models import AccessRequest
from marketplace.services.datasets import delete_dataset, withdraw_dataset
from tests.access_request_factories import World, complete_answers, create_request, create_world
from tests.factories import ADMIN, create_dataset
from tests.web.pages import h1_of, page, title_of
from tests.web.publishing import csrf, form_fields


@pytest.fixture
def world(app) -> World:
    return create_world()


@pytest.fixture
def as_user(signed_in):
    return signed_in


def path(access_request: AccessRequest, tail: str = "") -> str:
    return f"/access-requests/{access_request.id}{tail}"


def post_form(client, url: str, answers: dict, *, status: int, form_url: str | None = None) -> str:
    """Post the page's own (last) form with `answers` over what it holds."""
    html = page(client, form_url or url, status=200).text
    fields = form_fields(html)
    fields.update({k: v if isinstance(v, list) else [v] for k, v in answers.items()})
    response = client.post(url, data=fields, headers={"Accept": "text/html"})
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:3000])
    if status == 303:
        return page(client, response.headers["Location"], status=200).text
    return response.get_data(as_text=True)


def post_raw(client, url: str, data: dict, *, status: int, token_from: str) -> str:
    token = csrf(page(client, token_from, status=200).text)
    response = client.post(url, data={"csrf_token": token, **data}, headers={"Accept": "text/html"})
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:3000])
    return response.get_data(as_text=True)


def summary_of(html: str) -> str:
    found = re.search(r'class="govuk-error-summary".*?</ul>', html, re.S)
    assert found, "no error summary"
    return found.group(0)


def reload(access_request: AccessRequest) -> AccessRequest:
    db.session.expire_all()
    return db.session.get(AccessRequest, access_request.id)


def future(days: int = 90):
    return datetime.now(UTC).date() + timedelta(days=days)


# Starting -----------------------------------------------------------------------------------


def test_signed_out_people_are_sent_to_sign_in_from_the_button(world, client):
    # Signed out, only open entries are seen: one with no file to download can be requested.
    no_files = create_dataset(organisation=world.owner, access_rights="OPEN", distributions=[])
    html = page(client, f"/datasets/{no_files.slug}", status=200).text
    assert "Request this data" in html and f"/login?next=/datasets/{no_files.slug}" in html


def test_the_button_starts_a_draft_and_a_second_press_returns_to_it(world, as_user):
    client = as_user(world.requester)
    entry = f"/datasets/{world.dataset.slug}"
    html = post_form(client, f"{entry}/request", {}, status=303, form_url=entry)
    assert h1_of(html) == f"Request data: {world.dataset.title}"
    assert "Not yet started" in html and "Cannot start yet" in html
    html = page(client, entry, status=200).text
    assert "your request DSR-" in html and "Request this data" not in html
    first = db.session.query(AccessRequest).one()
    token = csrf(html)
    response = client.post(f"{entry}/request", data={"csrf_token": token})
    assert response.status_code == 303 and str(first.id) in response.headers["Location"]
    assert db.session.query(AccessRequest).count() == 1


def test_open_data_with_files_has_no_button(world, as_user):
    open_entry = create_dataset(organisation=world.owner, access_rights="OPEN")
    html = page(as_user(world.requester), f"/datasets/{open_entry.slug}", status=200).text
    assert "Request this data" not in html


def test_starting_without_csrf_is_refused(world, as_user):
    client = as_user(world.requester)
    response = client.post(f"/datasets/{world.dataset.slug}/request", headers={"Accept": "text/html"})
    assert response.status_code == 400
    assert db.session.query(AccessRequest).count() == 0


# Sections -----------------------------------------------------------------------------------


def test_a_section_saved_as_completed_shows_on_the_task_list(world, as_user):
    access_request = create_request(world, answers={}, completed=False)
    client = as_user(world.requester)
    answers = complete_answers()
    when = future()
    given = {name: answers[name] for name in ("purpose", "project_aims", "data_required", "benefits")}
    given |= {"who_will_access": "Two analysts", "completed": "yes"}
    given |= {
        "needed_by-day": str(when.day),
        "needed_by-month": str(when.month),
        "needed_by-year": str(when.year),
    }
    html = post_form(client, path(access_request, "/sections/purpose"), given, status=303)
    assert re.search(r"Purpose of the data share.*?Completed", html, re.S)
    assert reload(access_request).answers["needed_by"] == when.isoformat()


def test_no_saves_partial_answers_without_requiring_the_rest(world, as_user):
    access_request = create_request(world, answers={}, completed=False)
    client = as_user(world.requester)
    html = post_form(
        client,
        path(access_request, "/sections/legal"),
        {"legal_power": "An Act", "completed": "no"},
        status=303,
    )
    assert re.search(r"Legal power and gateway.*?In progress", html, re.S)
    assert reload(access_request).answers == {"legal_power": "An Act"}


def test_yes_needs_every_answer_and_keeps_what_was_typed(world, as_user):
    access_request = create_request(world, answers={}, completed=False)
    client = as_user(world.requester)
    html = post_form(
        client,
        path(access_request, "/sections/legal"),
        {"legal_power": "An Act", "completed": "yes"},
        status=400,
    )
    assert title_of(html).startswith("Error: ")
    assert 'href="#legal_gateway"' in summary_of(html)
    assert ">An Act</textarea>" in html
    assert reload(access_request).answers == {}


def test_completed_question_must_be_answered(world, as_user):
    access_request = create_request(world, answers={}, completed=False)
    html = post_form(as_user(world.requester), path(access_request, "/sections/legal"), {}, status=400)
    assert "Select whether you have completed this section" in summary_of(html)


@pytest.mark.parametrize(
    ("day", "month", "year", "message"),
    [
        ("31", "2", "2027", "must be a real date"),
        ("aa", "3", "2027", "must be a real date"),
        ("1", "", "2027", "must include a month"),
        ("1", "1", "2020", "today or in the future"),
    ],
)
def test_bad_dates_are_explained_and_kept_as_typed(world, as_user, day, month, year, message):
    access_request = create_request(world, answers={}, completed=False)
    given = {"needed_by-day": day, "needed_by-month": month, "needed_by-year": year, "completed": "no"}
    html = post_form(as_user(world.requester), path(access_request, "/sections/purpose"), given, status=400)
    summary = summary_of(html)
    assert message in summary and 'href="#needed_by-day"' in summary
    assert f'name="needed_by-day" type="text" value="{day}"' in html or f'value="{day}"' in html
    assert "govuk-input--error" in html


def test_too_long_answers_are_refused(world, as_user):
    access_request = create_request(world, answers={}, completed=False)
    html = post_form(
        as_user(world.requester),
        path(access_request, "/sections/governance"),
        {"format": "x" * 501, "completed": "no"},
        status=400,
    )
    assert "500 characters or fewer" in summary_of(html)


def test_a_long_text_answer_is_refused_and_kept_as_typed(world, as_user):
    access_request = create_request(world, answers={}, completed=False)
    typed = "y" * 5001
    html = post_form(
        as_user(world.requester),
        path(access_request, "/sections/purpose"),
        {"purpose": typed, "completed": "no"},
        status=400,
    )
    assert "5,000 characters or fewer" in summary_of(html) and typed in html
    assert "purpose" not in reload(access_request).answers


@pytest.mark.parametrize("value", ["maybe", "YES", "1", "<b>yes</b>"])
def test_a_yes_or_no_answer_that_is_neither_is_refused(world, as_user, value):
    access_request = create_request(world, answers={}, completed=False)
    html = post_form(
        as_user(world.requester),
        path(access_request, "/sections/data_protection"),
        {"personal_data": value, "leaves_uk": "no", "completed": "no"},
        status=400,
    )
    summary = summary_of(html)
    assert "Select yes or no." in summary and 'href="#personal_data"' in summary
    assert "personal_data" not in reload(access_request).answers


def test_personal_data_questions_are_asked_after_a_yes_and_cleared_when_no(world, as_user):
    access_request = create_request(world, answers={}, completed=False)
    client = as_user(world.requester)
    url = path(access_request, "/sections/data_protection")
    html = page(client, url, status=200).text
    assert "Answer only if you said yes to: Does the data include personal data?" in html
    assert 'name="lawful_basis"' in html and "conditional-personal_data" not in html
    given = {"personal_data": "yes", "lawful_basis": "Public task", "completed": "yes"}
    html = post_form(client, url, given, status=400)
    assert 'href="#special_category_data"' in summary_of(html) and ">Public task</textarea>" in html
    given = {"personal_data": "no", "lawful_basis": "Public task", "leaves_uk": "no", "completed": "yes"}
    post_form(client, url, given, status=303)
    assert "lawful_basis" not in reload(access_request).answers


def test_html_in_answers_is_shown_escaped(world, as_user):
    access_request = create_request(
        world, answers={**complete_answers(), "purpose": "<script>alert(1)</script> **x**"}
    )
    client = as_user(world.requester)
    html = page(client, path(access_request, "/check"), status=200).text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; **x**" in html and "<script>alert(1)" not in html
    html = page(client, path(access_request), status=200).text
    assert "&lt;script&gt;" in html and "<script>alert(1)" not in html


# Check and submit ---------------------------------------------------------------------------


def test_check_and_submit_needs_the_declaration_then_confirms(world, as_user):
    access_request = create_request(world)
    client = as_user(world.requester)
    url = path(access_request, "/check")
    html = page(client, url, status=200).text
    assert "Change" in html and h1_of(html).startswith("Check your answers")
    html = post_form(client, url, {}, status=400)
    assert "Confirm the declaration" in summary_of(html)
    html = post_form(client, url, {"declaration": "yes"}, status=303)
    assert "Request submitted" in html and access_request.reference in html
    assert reload(access_request).status == "submitted"


def test_submitting_with_sections_missing_lists_them(world, as_user):
    access_request = create_request(world, answers={"purpose": "Only this"}, completed=False)
    client = as_user(world.requester)
    html = post_form(client, path(access_request, "/check"), {"declaration": "yes"}, status=400)
    summary = summary_of(html)
    assert 'href="#legal_gateway"' in summary and "Answer: What legal gateway" in summary


def test_task_list_check_link_only_when_every_section_is_complete(world, as_user):
    client = as_user(world.requester)
    ready = create_request(world)
    assert "Cannot start yet" not in page(client, path(ready, "/tasks"), status=200).text


# The request page and decisions --------------------------------------------------------------


@pytest.mark.parametrize("status", ["draft", "submitted", "in_review", "returned", "accepted", "cancelled"])
def test_the_requester_sees_their_request_and_list(world, as_user, status):
    access_request = create_request(world, status)
    client = as_user(world.requester)
    html = page(client, path(access_request), status=200).text
    assert access_request.reference in html and world.dataset.title in html
    assert ("Make changes" in html) == (status == "returned")
    assert ("Cancel this request" in html) == (status in ("draft", "submitted", "in_review"))
    assert "Return for changes" not in html and "Start review" not in html
    listed = page(client, "/access-requests", status=200).text
    assert access_request.reference in listed


@pytest.mark.parametrize("who", ["stranger", "other_reviewer"])
def test_anyone_else_gets_404(world, as_user, who):
    access_request = create_request(world, "submitted")
    client = as_user(getattr(world, who))
    for tail in ("", "/tasks", "/check", "/sections/purpose", "/cancel"):
        page(client, path(access_request, tail), status=404)
    assert access_request.reference not in page(client, "/access-requests", status=200).text


def test_reviewers_do_not_see_drafts(world, as_user):
    access_request = create_request(world)
    page(as_user(world.reviewer), path(access_request), status=404)


def test_a_reviewer_starts_review_and_returns_with_a_reason_and_sections(world, as_user):
    access_request = create_request(world, "submitted")
    client = as_user(world.reviewer)
    url = path(access_request)
    post = path(access_request, "/moves")
    data = {"to": "in_review", "expected_version": access_request.version}
    post_raw(client, post, data, status=303, token_from=url)
    assert "In review" in page(client, url, status=200).text
    html = post_raw(
        client,
        post,
        {"to": "returned", "expected_version": reload(access_request).version},
        status=400,
        token_from=url,
    )
    assert 'href="#comment-returned"' in summary_of(html)
    version = reload(access_request).version
    data = {
        "to": "returned",
        "comment-returned": "Name the gateway",
        "sections": ["legal"],
        "expected_version": version,
    }
    post_raw(client, post, data, status=303, token_from=url)
    stored = reload(access_request)
    assert (stored.status, stored.returned_sections) == ("returned", ["legal"])
    requester = as_user(world.requester)
    html = page(requester, path(access_request, "/tasks"), status=200).text
    assert "Name the gateway" in html and re.search(
        r"Legal power and gateway.*?Changes requested", html, re.S
    )


def test_rejecting_needs_a_reason(world, as_user):
    access_request = create_request(world, "in_review")
    client = as_user(world.reviewer)
    data = {"to": "rejected", "comment-rejected": " ", "expected_version": access_request.version}
    html = post_raw(client, path(access_request, "/moves"), data, status=400, token_from=path(access_request))
    assert "Give the reason" in summary_of(html)
    assert reload(access_request).status == "in_review"


def test_a_stale_decision_says_someone_else_already_decided(world, as_user):
    access_request = create_request(world, "in_review")
    url, moves = path(access_request), path(access_request, "/moves")
    shown = access_request.version  # what both reviewers' pages carry
    decided = {"to": "accepted", "expected_version": shown}
    post_raw(as_user(world.second_reviewer), moves, decided, status=303, token_from=url)
    late = {"to": "rejected", "comment-rejected": "No", "expected_version": shown}
    html = post_raw(as_user(world.reviewer), moves, late, status=409, token_from=url)
    assert "Someone else has already changed this request: it is now accepted" in summary_of(html)
    assert reload(access_request).status == "accepted"


def test_a_stale_version_with_the_same_status_is_refused_too(world, as_user):
    access_request = create_request(world, "in_review")
    url, moves = path(access_request), path(access_request, "/moves")
    stale = {"to": "accepted", "expected_version": access_request.version - 1}
    html = post_raw(as_user(world.reviewer), moves, stale, status=412, token_from=url)
    assert "Someone else has already changed this request" in summary_of(html)
    assert reload(access_request).status == "in_review"


def test_a_move_that_is_not_possible_says_why(world, as_user):
    access_request = create_request(world, "submitted")
    url = path(access_request)
    data = {"to": "accepted", "expected_version": access_request.version}
    html = post_raw(as_user(world.reviewer), path(access_request, "/moves"), data, status=409, token_from=url)
    assert "cannot be moved to accepted" in summary_of(html)


def test_comments_are_added_to_the_timeline_and_empty_ones_refused(world, as_user):
    access_request = create_request(world, "submitted")
    client = as_user(world.reviewer)
    url = path(access_request)
    html = post_raw(client, path(access_request, "/comments"), {"comment": ""}, status=400, token_from=url)
    assert 'href="#comment"' in summary_of(html)
    post_raw(
        client,
        path(access_request, "/comments"),
        {"comment": "<b>Which years?</b>"},
        status=303,
        token_from=url,
    )
    html = page(as_user(world.requester), url, status=200).text
    assert "&lt;b&gt;Which years?&lt;/b&gt;" in html


def test_the_requester_cancels_after_confirming(world, as_user):
    access_request = create_request(world, "submitted")
    client = as_user(world.requester)
    html = page(client, path(access_request, "/cancel"), status=200).text
    assert h1_of(html) == "Are you sure you want to cancel your request?"
    post_form(client, path(access_request, "/cancel"), {}, status=303)
    assert reload(access_request).status == "cancelled"


def test_the_account_page_links_to_your_requests(world, as_user):
    html = page(as_user(world.requester), "/account", status=200).text
    assert 'href="/access-requests"' in html


@pytest.mark.parametrize("change", ["withdraw", "delete"])
def test_the_request_stays_readable_when_its_entry_is_withdrawn_or_deleted(world, as_user, change):
    access_request = create_request(world, "submitted")
    if change == "withdraw":
        withdraw_dataset(ADMIN, world.dataset.slug, reason="Replaced by a new series.")
    else:
        delete_dataset(ADMIN, world.dataset.slug)
    for who in (world.requester, world.reviewer):
        html = page(as_user(who), path(access_request), status=200).text
        assert (
            world.dataset.title in html and ("(withdrawn)" if change == "withdraw" else "(deleted)") in html
        )


def test_reviewers_breadcrumbs_lead_to_the_organisations_inbox(world, as_user):
    access_request = create_request(world, "submitted")
    html = page(as_user(world.reviewer), path(access_request), status=200).text
    assert f'href="/organisations/{world.owner.slug}/access-requests"' in html
    html = page(as_user(world.requester), path(access_request), status=200).text
    assert f'href="/organisations/{world.owner.slug}/access-requests"' not in html
