"""The requester's side of a data share request in pages: the button on an entry starts a draft, each
section's page saves answers (bad ones explained and kept as typed), the task list, and check and
submit with the declaration."""

from __future__ import annotations

import re

import pytest

from marketplace.extensions import db
from marketplace.models import AccessRequest
from tests.access_request_factories import complete_answers, create_request
from tests.factories import create_dataset
from tests.web.access_request_pages import future, path, post_form, reload, summary_of
from tests.web.pages import h1_of, page, title_of
from tests.web.publishing import csrf


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
