"""Seed data share requests in several states, so the inbox and "Your requests" are not empty
on a fresh `make run`.

Development only, like the test users they belong to (load_test_users): each request is made
and moved through the same service as the pages, by the seeded people themselves. Loading twice
adds nothing: a person's request for an entry that exists already is left alone.

The service stamps each move with the moment it is made, so a fresh seed would show every request
made today: no ages, nothing for the "older than" filters, 0 days to a decision. Each request
and move in the file therefore says how many days ago it happened, and its times are set so once
the service has made it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import AccessRequest, User
from marketplace.models.types import utcnow
from marketplace.rules.access_request_questions import SECTIONS, missing_answers
from marketplace.rules.actors import Actor
from marketplace.seeding.load import SEED_DIR, seed_id
from marketplace.services.access_requests import (
    start_access_request,
    transition_access_request,
    update_answers,
)


def _person(email: str) -> Actor:
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        raise LookupError(f"seed/access_requests.json names {email}, who is not in seed/users.json")
    return Actor.for_user(user, "session", {"read", "publish"})


def load_access_requests(directory: Path = SEED_DIR) -> int:
    """Add the seeded requests not yet present; the number added."""
    added = 0
    for raw in json.loads((directory / "access_requests.json").read_text()):
        requester = _person(raw["requester"])
        dataset_id = seed_id(raw["dataset"]["publisher"], raw["dataset"]["title"])
        exists = db.session.scalar(
            select(AccessRequest.id).where(
                AccessRequest.requester_id == requester.user.id, AccessRequest.dataset_id == dataset_id
            )
        )
        if exists is not None:
            continue
        answers = dict(raw["answers"])
        # Dates are kept relative, so a seed loaded on any day asks for a date still to come.
        if days := answers.pop("needed_by_in_days", None):
            answers["needed_by"] = (datetime.now(UTC).date() + timedelta(days=days)).isoformat()
        access_request = start_access_request(requester, str(dataset_id))
        complete = [section.name for section in SECTIONS if not missing_answers(section, answers)]
        update_answers(requester, access_request, answers, completed_sections=complete)
        for move in raw["moves"]:
            actor = requester if move["by"] == "requester" else _person(move["by"])
            transition_access_request(
                actor,
                access_request,
                move["to"],
                comment=move.get("comment"),
                sections=move.get("sections"),
                declaration=move["to"] == "submitted",
            )
        days_ago = [move.get("days_ago", 0) for move in raw["moves"]]
        _as_if_over_days(access_request, raw.get("started_days_ago", 0), days_ago)
        added += 1
    return added


def _as_if_over_days(access_request: AccessRequest, started_days_ago: int, move_days_ago: list[int]) -> None:
    """Set the request's times and its moves' as if it was started and moved that many days ago."""
    now = utcnow()
    access_request.created_at = access_request.updated_at = now - timedelta(days=started_days_ago)
    moves = sorted((e for e in access_request.events if e.kind == "transition"), key=lambda e: e.id)
    first_sent = None
    for event, days_ago in zip(moves, move_days_ago, strict=True):
        event.at = access_request.updated_at = now - timedelta(days=days_ago)
        if event.to_status == "submitted":
            first_sent = first_sent or event.at
            access_request.submitted_at = access_request.declaration_accepted_at = event.at
        elif event.to_status in ("accepted", "rejected", "returned"):
            access_request.decided_at = event.at
    if first_sent is not None:
        access_request.first_submitted_at = first_sent
    db.session.commit()
