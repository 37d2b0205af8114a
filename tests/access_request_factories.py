"""The people and entries of data share request tests, and requests brought to any status
through the real service (never by writing the status directly)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from marketplace.models import AccessRequest, Dataset, Organisation, User
from marketplace.rules.actors import Actor
from marketplace.services import access_requests as service
from tests.factories import create_dataset, create_organisation, create_token, create_user


def complete_answers() -> dict[str, Any]:
    """Answers to every question a request without personal data must answer."""
    return {
        "purpose": "Estimate how many claimants rely on buses to reach work.",
        "project_aims": "Measure the effect of fare caps on access to employment.",
        "data_required": "Monthly claimant counts by local authority, 2022 to 2026.",
        "benefits": "Better targeted bus funding.",
        "who_will_access": "Four analysts in the Buses Analysis team.",
        "needed_by": (datetime.now(UTC).date() + timedelta(days=60)).isoformat(),
        "legal_power": "Common law powers to carry out transport policy work.",
        "legal_gateway": "Statistics and Registration Service Act 2007, section 39(4)(a).",
        "personal_data": False,
        "leaves_uk": False,
        "delivery": "secure_file_transfer",
        "format": "CSV",
        "storage_and_retention": "The analytical environment, kept for 3 years.",
        "disposal": "Deleted and certified by the information asset owner.",
    }


SECTIONS = ["purpose", "legal", "data_protection", "governance"]


@dataclass
class World:
    """DWP owns a restricted entry; a DfT analyst asks for it."""

    owner: Organisation
    other: Organisation
    dataset: Dataset
    requester: User
    stranger: User
    reviewer: User
    second_reviewer: User
    org_admin: User
    other_reviewer: User
    site_admin: User

    def actor(self, user: User) -> Actor:
        return Actor.for_user(user, "token", {"read", "publish"})

    def token(self, user: User, scopes: tuple[str, ...] = ("read", "publish")) -> str:
        return create_token(user=user, scopes=scopes)


def create_world() -> World:
    owner = create_organisation(
        slug="department-for-work-pensions",
        title="Department for Work and Pensions",
        abbreviation="DWP",
        email_domains=["dwp.gov.uk"],
    )
    other = create_organisation(email_domains=["dft.gov.uk"])
    dataset = create_dataset(
        organisation=owner, title="Universal Credit management information", access_rights="INTERNAL"
    )
    return World(
        owner=owner,
        other=other,
        dataset=dataset,
        requester=create_user(email="analyst@dft.gov.uk", organisation=other),
        stranger=create_user(email="someone@dft.gov.uk", organisation=other),
        reviewer=create_user(email="reviewer@dwp.gov.uk", organisation=owner, roles=("reviewer",)),
        second_reviewer=create_user(email="second@dwp.gov.uk", organisation=owner, roles=("reviewer",)),
        org_admin=create_user(email="admin@dwp.gov.uk", organisation=owner, roles=("org_admin",)),
        other_reviewer=create_user(email="reviewer@dft.gov.uk", organisation=other, roles=("reviewer",)),
        site_admin=create_user(email="site.admin@digital.gov.uk", roles=("site_admin",)),
    )


# The moves that bring a new draft to each status: (to, side).
ROUTES: dict[str, list[tuple[str, str]]] = {
    "draft": [],
    "submitted": [("submitted", "requester")],
    "in_review": [("submitted", "requester"), ("in_review", "reviewer")],
    "accepted": [("submitted", "requester"), ("in_review", "reviewer"), ("accepted", "reviewer")],
    "rejected": [("submitted", "requester"), ("in_review", "reviewer"), ("rejected", "reviewer")],
    "returned": [("submitted", "requester"), ("in_review", "reviewer"), ("returned", "reviewer")],
    # Cancelled after it was sent, so that the organisation sees it too.
    "cancelled": [("submitted", "requester"), ("cancelled", "requester")],
}


def create_request(
    world: World, status: str = "draft", *, answers: dict | None = None, completed: bool = True
) -> AccessRequest:
    """A request by world.requester for world.dataset (with complete answers unless others are
    given), its sections marked complete, moved through the service to `status`."""
    requester = world.actor(world.requester)
    access_request = service.start_access_request(
        requester, world.dataset.slug, complete_answers() if answers is None else answers
    )
    if completed:
        service.update_answers(requester, access_request, {}, completed_sections=SECTIONS)
    for to, side in ROUTES[status]:
        actor = requester if side == "requester" else world.actor(world.reviewer)
        service.transition_access_request(
            actor,
            access_request,
            to,
            comment="Please say which years you need." if to in ("rejected", "returned") else None,
            sections=["purpose"] if to == "returned" else None,
            declaration=to == "submitted",
        )
    return access_request
