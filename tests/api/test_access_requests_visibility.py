"""Who sees a data share request through the API: its requester, the owning organisation's
reviewers and org admins, and site admins; to anyone else it does not exist (404), in lists and
in counts too. A signed-in session reads as a token does, but never writes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from marketplace.auth.session import SESSION_KEY
from marketplace.services.sessions import SessionPolicy, start_session
from tests.access_request_factories import World, create_request, create_world
from tests.helpers import api

BASE = "/api/v1/access-requests"
PEOPLE = ("requester", "stranger", "other_reviewer", "reviewer", "org_admin", "site_admin")
SEE_SUBMITTED = {"requester", "reviewer", "org_admin", "site_admin"}
REVIEWS_OWNER = {"reviewer", "org_admin", "site_admin"}


@pytest.fixture
def world(app) -> World:
    return create_world()


@pytest.mark.parametrize("who", PEOPLE)
def test_one_request_is_read_only_by_those_who_may_see_it_and_is_404_to_anyone_else(client, world, who):
    submitted = create_request(world, "submitted")
    draft = create_request(world, "draft")
    token = world.token(getattr(world, who))
    api(client, "GET", f"{BASE}/{submitted.id}", status=200 if who in SEE_SUBMITTED else 404, token=token)
    api(
        client,
        "GET",
        f"{BASE}/{submitted.id}/comments",
        status=200 if who in SEE_SUBMITTED else 404,
        token=token,
    )
    # A draft is the requester's own until it is submitted.
    api(client, "GET", f"{BASE}/{draft.id}", status=200 if who == "requester" else 404, token=token)
    listed = api(client, "GET", BASE, status=200, token=token).get_json()
    expected = {"requester": 2}.get(who, 1 if who in SEE_SUBMITTED else 0)
    assert listed["total"] == expected == len(listed["items"])
    if who not in SEE_SUBMITTED:
        # Not even a comment or a move reveals it.
        api(
            client,
            "POST",
            f"{BASE}/{submitted.id}/comments",
            status=404,
            token=token,
            json={"comment": "Hello"},
        )
        api(
            client,
            "POST",
            f"{BASE}/{submitted.id}/transitions",
            status=404,
            token=token,
            json={"to": "in_review"},
        )


@pytest.mark.parametrize("who", PEOPLE)
def test_the_summary_and_export_count_only_what_the_caller_reviews(client, world, who):
    create_request(world, "submitted")
    create_request(world, "draft")
    token = world.token(getattr(world, who))
    owner = f"?organisation={world.owner.slug}"
    if who in REVIEWS_OWNER:
        assert api(client, "GET", f"{BASE}/summary{owner}", status=200, token=token).get_json()["open"] == 1
        csv = api(client, "GET", f"{BASE}/export.csv{owner}", status=200, token=token).get_data(as_text=True)
        assert len(csv.strip().splitlines()) == 2  # the heading and the submitted request, never the draft
    else:
        api(client, "GET", f"{BASE}/summary{owner}", status=403, token=token)
        api(client, "GET", f"{BASE}/export.csv{owner}", status=403, token=token)
    if who == "other_reviewer":
        assert api(client, "GET", f"{BASE}/summary", status=200, token=token).get_json()["open"] == 0


def test_the_organisation_never_sees_a_cancelled_draft(client, world):
    draft = create_request(world, "draft")
    api(
        client,
        "POST",
        f"{BASE}/{draft.id}/transitions",
        status=200,
        token=world.token(world.requester),
        json={"to": "cancelled"},
    )
    api(client, "GET", f"{BASE}/{draft.id}", status=404, token=world.token(world.reviewer))


def test_a_request_for_a_deleted_entry_stays_readable_to_both_sides(client, world):
    access_request = create_request(world, "submitted")
    api(
        client,
        "DELETE",
        f"/api/v1/datasets/{world.dataset.slug}",
        status=204,
        token=world.token(world.org_admin),
    )
    for who in ("requester", "reviewer"):
        body = api(
            client, "GET", f"{BASE}/{access_request.id}", status=200, token=world.token(getattr(world, who))
        ).get_json()
        assert body["dataset"]["slug"] == world.dataset.slug


def test_a_signed_in_session_reads_requests_but_cannot_change_them(client, world):
    access_request = create_request(world, "submitted")
    policy = SessionPolicy(idle=timedelta(minutes=60), absolute=timedelta(hours=12))
    _, secret = start_session(world.reviewer, policy, provider_sid=None, id_token=None)
    with client.session_transaction() as session:
        session[SESSION_KEY] = secret
    body = api(client, "GET", f"{BASE}/{access_request.id}", status=200).get_json()
    assert body["status"] == "submitted"
    assert api(client, "GET", BASE, status=200).get_json()["total"] == 1
    api(client, "POST", f"{BASE}/{access_request.id}/transitions", status=403, json={"to": "in_review"})


def test_a_request_id_that_is_not_a_uuid_is_a_404(client, world):
    api(client, "GET", f"{BASE}/DSR-NOTAUUID", status=404, token=world.token(world.requester))
