"""The state machine over HTTP: a sample of the matrix (the whole of it is proved at the service,
tests/services/test_access_request_states.py), each refused move a 409 invalid_transition that
says which moves are possible, with the request unchanged."""

from __future__ import annotations

import pytest

from marketplace.extensions import db
from tests.access_request_factories import SECTIONS, create_request, create_world
from tests.helpers import api, assert_problem

BASE = "/api/v1/access-requests"
ALLOWED = [
    ("draft", "submitted", "requester"),
    ("draft", "cancelled", "requester"),
    ("submitted", "in_review", "reviewer"),
    ("submitted", "cancelled", "requester"),
    ("in_review", "accepted", "reviewer"),
    ("in_review", "rejected", "reviewer"),
    ("in_review", "returned", "reviewer"),
    ("in_review", "cancelled", "requester"),
    ("returned", "submitted", "requester"),
]
REFUSED = [
    ("draft", "accepted", "requester", ["submitted", "cancelled"]),
    ("submitted", "accepted", "reviewer", ["in_review"]),
    ("submitted", "in_review", "requester", ["cancelled"]),
    ("in_review", "accepted", "requester", ["cancelled"]),
    ("in_review", "submitted", "reviewer", ["accepted", "rejected", "returned"]),
    ("returned", "cancelled", "requester", ["submitted"]),
    ("returned", "accepted", "reviewer", []),
    ("accepted", "cancelled", "requester", []),
    ("accepted", "rejected", "reviewer", []),
    ("rejected", "submitted", "requester", []),
    ("cancelled", "submitted", "requester", []),
    ("cancelled", "in_review", "reviewer", []),
]


def _person(world, side):
    return world.requester if side == "requester" else world.reviewer


@pytest.mark.parametrize(("source", "target", "side"), ALLOWED)
def test_an_allowed_move_over_http_answers_200_with_the_moved_request(client, app, source, target, side):
    world = create_world()
    access_request = create_request(world, source)
    token = world.token(_person(world, side))
    if source == "returned":
        api(
            client,
            "PATCH",
            f"{BASE}/{access_request.id}",
            status=200,
            token=world.token(world.requester),
            json={"completed_sections": SECTIONS},
        )
    body = {"to": target, "comment": "For the record.", "declaration": True}
    moved = api(
        client, "POST", f"{BASE}/{access_request.id}/transitions", status=200, token=token, json=body
    ).get_json()
    assert moved["status"] == target
    assert moved["timeline"][-1]["to"] == target and moved["timeline"][-1]["side"] == side


@pytest.mark.parametrize(("source", "target", "side", "allowed"), REFUSED)
def test_a_refused_move_over_http_is_a_409_invalid_transition_and_changes_nothing(
    client, app, source, target, side, allowed
):
    world = create_world()
    access_request = create_request(world, source)
    before = (access_request.status, access_request.version, len(access_request.events))
    body = {"to": target, "comment": "For the record.", "declaration": True}
    refused = api(
        client,
        "POST",
        f"{BASE}/{access_request.id}/transitions",
        status=409,
        token=world.token(_person(world, side)),
        json=body,
    )
    problem = assert_problem(refused, "to")
    assert problem["code"] == "invalid_transition"
    assert problem["current_status"] == source and problem["allowed"] == allowed
    db.session.expire_all()
    assert (access_request.status, access_request.version, len(access_request.events)) == before
