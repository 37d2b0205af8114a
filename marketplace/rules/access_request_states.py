"""The one state machine of a data share request.

    draft -> submitted -> in_review -> accepted | rejected | returned
    returned -> submitted
    draft | submitted | in_review -> cancelled

Each move names who may make it (the requester or the owning organisation's reviewers) and
whether it needs a comment. Every other move is refused, by services/access_requests.py, with
the moves that are possible from where the request is.
"""

from __future__ import annotations

from dataclasses import dataclass

OPEN_STATUSES = ("submitted", "in_review")
DECIDED_STATUSES = ("accepted", "rejected", "returned")
# Where the requester can still change answers.
EDITABLE_STATUSES = ("draft", "returned")
STATUS_LABELS = {
    "draft": "Draft",
    "submitted": "Submitted",
    "in_review": "In review",
    "accepted": "Accepted",
    "rejected": "Rejected",
    "returned": "Returned for changes",
    "cancelled": "Cancelled",
}


@dataclass(frozen=True)
class Transition:
    source: str
    target: str
    by: str  # requester | reviewer
    comment_required: bool = False
    label: str = ""


TRANSITIONS: tuple[Transition, ...] = (
    Transition("draft", "submitted", "requester", label="Submit"),
    Transition("returned", "submitted", "requester", label="Resubmit"),
    Transition("submitted", "in_review", "reviewer", label="Start review"),
    Transition("in_review", "accepted", "reviewer", label="Accept"),
    Transition("in_review", "rejected", "reviewer", comment_required=True, label="Reject"),
    Transition("in_review", "returned", "reviewer", comment_required=True, label="Return for changes"),
    Transition("draft", "cancelled", "requester", label="Cancel"),
    Transition("submitted", "cancelled", "requester", label="Cancel"),
    Transition("in_review", "cancelled", "requester", label="Cancel"),
)
_BY_MOVE = {(t.source, t.target): t for t in TRANSITIONS}


def find_transition(source: str, target: str) -> Transition | None:
    return _BY_MOVE.get((source, target))


def moves_from(source: str, side: str | None = None) -> list[Transition]:
    return [t for t in TRANSITIONS if t.source == source and (side is None or t.by == side)]
