"""Every move of the state machine, allowed and refused, by each side: the whole matrix."""

from __future__ import annotations

import itertools

import pytest

from marketplace.errors import ConflictError, NotFoundError
from marketplace.models.access_request import ACCESS_REQUEST_STATUSES, AccessRequest
from marketplace.rules.access_request_states import TRANSITIONS, find_transition, moves_from
from marketplace.services import access_request_reading as reading
from marketplace.services import access_requests as service
from tests.access_request_factories import SECTIONS, create_request, create_world

SIDES = ("requester", "reviewer")
MATRIX = list(itertools.product(ACCESS_REQUEST_STATUSES, ACCESS_REQUEST_STATUSES, SIDES))


def _allowed(source: str, target: str, side: str) -> bool:
    move = find_transition(source, target)
    return move is not None and move.by == side


def test_the_state_table_is_the_one_the_issue_sets_out():
    assert {(t.source, t.target, t.by) for t in TRANSITIONS} == {
        ("draft", "submitted", "requester"),
        ("returned", "submitted", "requester"),
        ("submitted", "in_review", "reviewer"),
        ("in_review", "accepted", "reviewer"),
        ("in_review", "rejected", "reviewer"),
        ("in_review", "returned", "reviewer"),
        ("draft", "cancelled", "requester"),
        ("submitted", "cancelled", "requester"),
        ("in_review", "cancelled", "requester"),
    }
    assert {t.target for t in TRANSITIONS if t.comment_required} == {"rejected", "returned"}


@pytest.mark.parametrize(("source", "target", "side"), MATRIX, ids=["-".join(case) for case in MATRIX])
def test_each_move_by_each_side_is_made_only_if_the_table_allows_it(app, source, target, side):
    world = create_world()
    access_request = create_request(world, source)
    if source == "returned":  # the requester has made the changes asked for
        service.update_answers(world.actor(world.requester), access_request, {}, completed_sections=SECTIONS)
    actor = world.actor(world.requester if side == "requester" else world.reviewer)
    before = (access_request.status, access_request.version, len(access_request.events))
    attempt = dict(comment="A reason for the record.", declaration=True)
    if side == "reviewer" and source == "draft":
        # A draft is the requester's own: to the organisation it does not exist.
        with pytest.raises(NotFoundError):
            service.transition_access_request(actor, access_request, target, **attempt)
    elif _allowed(source, target, side):
        moved = service.transition_access_request(actor, access_request, target, **attempt)
        assert moved.status == target
        last = moved.events[-1]
        assert (last.kind, last.from_status, last.to_status, last.author_side) == (
            "transition",
            source,
            target,
            side,
        )
        return
    else:
        with pytest.raises(ConflictError) as refused:
            service.transition_access_request(actor, access_request, target, **attempt)
        assert refused.value.code == "invalid_transition"
        assert refused.value.extra["allowed"] == [t.target for t in moves_from(source, side)]
    service.db.session.expire_all()
    assert (access_request.status, access_request.version, len(access_request.events)) == before


def test_every_status_can_be_reached_and_only_three_are_final(app):
    world = create_world()
    for status in ACCESS_REQUEST_STATUSES:
        assert create_request(world, status).status == status
    final = {status for status in ACCESS_REQUEST_STATUSES if not moves_from(status)}
    assert final == {"accepted", "rejected", "cancelled"}


@pytest.mark.parametrize("target", ["rejected", "returned"])
def test_rejecting_or_returning_without_a_reason_is_refused_and_changes_nothing(app, target):
    world = create_world()
    access_request = create_request(world, "in_review")
    with pytest.raises(service.ValidationError) as refused:
        service.transition_access_request(world.actor(world.reviewer), access_request, target, comment="  ")
    assert "comment" in refused.value.errors
    service.db.session.expire_all()
    assert access_request.status == "in_review"


def test_a_status_that_does_not_exist_is_refused_naming_to(app):
    world = create_world()
    access_request = create_request(world, "submitted")
    with pytest.raises(service.ValidationError) as refused:
        service.transition_access_request(world.actor(world.reviewer), access_request, "approved")
    assert "to" in refused.value.errors


def test_every_status_tells_the_requester_what_happens_next(app):
    actions = {
        status: reading.next_action(AccessRequest(status=status)) for status in ACCESS_REQUEST_STATUSES
    }
    assert all(actions.values()) and len(set(actions.values())) == len(actions)
