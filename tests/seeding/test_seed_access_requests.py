"""The seed brings data share requests in several states, made by the seeded people, once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.models import AccessRequest, MailMessage, Organisation, User
from marketplace.models.types import utcnow
from marketplace.queries.access_requests import RequestFilters
from marketplace.rules.actors import Actor
from marketplace.services.access_request_figures import summarise_access_requests
from marketplace.services.access_request_reading import list_access_requests


def _reviewer(email: str) -> Actor:
    return Actor.for_user(db.session.scalar(select(User).where(User.email == email)), "session", {"read"})


def test_seed_adds_requests_in_several_states_for_the_seeded_reviewers(runner):
    result = runner.invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    assert "Data share requests by those users: 5 created" in result.output
    statuses = set(db.session.scalars(select(AccessRequest.status)))
    assert {"draft", "submitted", "in_review", "returned", "accepted"} <= statuses
    dwp = db.session.scalar(select(Organisation).where(Organisation.slug == "department-for-work-pensions"))
    inbox = list_access_requests(
        _reviewer("reviewer@dwp.gov.uk"), RequestFilters(organisation_id=dwp.id), page=1, per_page=20
    )
    assert {r.status for r in inbox.items} == {"submitted", "in_review"}
    # The returned request carries its reason and the section to change.
    returned = db.session.scalar(select(AccessRequest).where(AccessRequest.status == "returned"))
    assert returned.returned_sections == ["legal"]
    assert "legal gateway" in returned.events[-1].comment
    # Each submission told the organisation's mailbox and its reviewers.
    told = set(
        db.session.scalars(
            select(MailMessage.to_address).where(MailMessage.kind == "access_request.submitted")
        )
    )
    assert {"data-access@dwp.gov.uk", "reviewer@dwp.gov.uk", "reviewer@dft.gov.uk"} <= told


def test_seeded_requests_were_made_and_moved_over_past_weeks_so_ages_and_figures_show(runner):
    runner.invoke(args=["seed"])
    now = utcnow()
    for access_request in db.session.scalars(select(AccessRequest)):
        moments = [access_request.created_at, *(event.at for event in access_request.events)]
        assert moments == sorted(moments) and moments[0] < now - timedelta(days=2), access_request.reference
        if access_request.first_submitted_at is not None:
            assert access_request.first_submitted_at == access_request.submitted_at < now - timedelta(days=7)
    accepted = db.session.scalar(select(AccessRequest).where(AccessRequest.status == "accepted"))
    assert accepted.decided_at - accepted.first_submitted_at == timedelta(days=14)
    dft = db.session.scalar(select(Organisation).where(Organisation.slug == "department-for-transport"))
    figures = summarise_access_requests(_reviewer("reviewer@dft.gov.uk"), dft)["days_to_decision"]
    assert figures["count"] == 2 and figures["median"] > 0


def test_seeding_twice_adds_no_more_requests_or_mail(runner):
    runner.invoke(args=["seed"])
    counts = (
        db.session.scalar(select(func.count()).select_from(AccessRequest)),
        db.session.scalar(select(func.count()).select_from(MailMessage)),
    )
    result = runner.invoke(args=["seed"])
    assert "Data share requests by those users: 0 created" in result.output
    assert (
        db.session.scalar(select(func.count()).select_from(AccessRequest)),
        db.session.scalar(select(func.count()).select_from(MailMessage)),
    ) == counts
