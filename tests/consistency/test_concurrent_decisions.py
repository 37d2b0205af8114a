"""Two reviewers deciding one request at the same moment, over real HTTP against a served app:
exactly one decision is made and kept; the other reviewer is told (409), and nothing is
overwritten. Repeated, so that both ways of losing happen: reading the request before the
winner's commit (request_changed, from the version counter) and after it (invalid_transition)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import requests
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import AccessRequest
from tests.access_request_factories import create_request, create_world

ROUNDS = 8
DECISIONS = ("accepted", "rejected", "returned")


@dataclass
class Told:
    """What each reviewer's client was answered, by decision asked for."""

    answers: dict[str, tuple[int, dict]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _decide(url: str, token: str, to: str, barrier: threading.Barrier, told: Told) -> None:
    body = {"to": to, "comment": f"Decided {to} by this reviewer."}
    with requests.Session() as http:
        http.headers["Authorization"] = f"Bearer {token}"
        barrier.wait(timeout=10)
        try:
            response = http.post(url, json=body, timeout=30)
        except requests.RequestException as error:
            told.errors.append(f"{to}: {type(error).__name__}: {error}")
            return
    with told.lock:
        told.answers[to] = (response.status_code, response.json())


def test_two_reviewers_deciding_at_once_make_exactly_one_decision(app, live_server):
    world = create_world()
    tokens = (world.token(world.reviewer), world.token(world.second_reviewer))
    for round_number in range(ROUNDS):
        access_request = create_request(world, "in_review")
        request_id = access_request.id
        db.session.commit()  # no transaction held open while the server's threads write
        first, second = DECISIONS[round_number % 3], DECISIONS[(round_number + 1) % 3]
        url = f"{live_server}/api/v1/access-requests/{request_id}/transitions"
        barrier, told = threading.Barrier(2), Told()
        clients = [
            threading.Thread(target=_decide, args=(url, token, to, barrier, told))
            for token, to in zip(tokens, (first, second), strict=True)
        ]
        for client in clients:
            client.start()
        for client in clients:
            client.join(timeout=60)

        assert told.errors == []
        statuses = sorted(status for status, _ in told.answers.values())
        assert statuses == [200, 409], told.answers
        (winner,) = [to for to, (status, _) in told.answers.items() if status == 200]
        (loser,) = [body for status, body in told.answers.values() if status == 409]
        assert loser["code"] in ("request_changed", "invalid_transition"), loser

        stored = db.session.scalar(select(AccessRequest).where(AccessRequest.id == request_id))
        assert stored.status == winner
        decisions = [e for e in stored.events if e.kind == "transition" and e.to_status in DECISIONS]
        assert [(e.to_status, e.comment) for e in decisions] == [
            (winner, f"Decided {winner} by this reviewer.")
        ]
        assert told.answers[winner][1]["version"] == stored.version
        db.session.commit()
