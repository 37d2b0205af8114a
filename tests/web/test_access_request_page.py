"""The request page both sides read: only the requester and the owning organisation's reviewers see it
(reviewers never a draft), reviewers' decisions with their reasons, a stale or impossible move
refused with why, comments on the timeline, cancelling, and a request that outlives its entry."""

from __future__ import annotations

import re

import pytest

from marketplace.services.datasets import delete_dataset, withdraw_dataset
from tests.access_request_factories import create_request
from tests.factories import ADMIN
from tests.web.access_request_pages import path, post_form, post_raw, reload, summary_of
from tests.web.pages import h1_of, page


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
