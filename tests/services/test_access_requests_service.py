"""The data share request service: who sees a request, who hears about it, and how a request
is answered, returned, changed, resubmitted and cancelled."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from marketplace.errors import (
    AuthenticationError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from marketplace.extensions import db
from marketplace.models import MailMessage
from marketplace.queries.access_requests import RequestFilters
from marketplace.rules.actors import Actor
from marketplace.services import access_request_reading as reading
from marketplace.services import access_request_timeline as timeline
from marketplace.services import access_requests as service
from marketplace.services.access_request_figures import summarise_access_requests
from marketplace.services.datasets import delete_dataset, withdraw_dataset
from tests.access_request_factories import (
    SECTIONS,
    World,
    complete_answers,
    create_request,
    create_world,
)
from tests.factories import ADMIN, create_dataset

# Who may see a request once it is submitted, by the World's names.
SEES_SUBMITTED = {
    "requester": True,
    "stranger": False,
    "other_reviewer": False,
    "reviewer": True,
    "org_admin": True,
    "site_admin": True,
}


@pytest.fixture
def world(app) -> World:
    return create_world()


def _listed(world: World, who: str) -> int:
    actor = world.actor(getattr(world, who))
    return reading.list_access_requests(actor, RequestFilters(), page=1, per_page=20).total


def _mail(kind: str | None = None) -> list[MailMessage]:
    query = select(MailMessage).order_by(MailMessage.id)
    if kind:
        query = query.where(MailMessage.kind == kind)
    return list(db.session.scalars(query))


@pytest.mark.parametrize(("who", "sees"), SEES_SUBMITTED.items())
def test_a_submitted_request_is_seen_only_by_its_requester_the_owning_reviewers_and_site_admins(
    world, who, sees
):
    access_request = create_request(world, "submitted")
    actor = world.actor(getattr(world, who))
    if sees:
        assert reading.get_access_request(actor, access_request.id) is access_request
    else:
        with pytest.raises(NotFoundError):
            reading.get_access_request(actor, access_request.id)
    assert _listed(world, who) == (1 if sees else 0)
    assert reading.side_of(actor, access_request) == (
        "requester" if who == "requester" else "reviewer" if sees else None
    )


@pytest.mark.parametrize("who", SEES_SUBMITTED)
def test_a_draft_is_seen_by_its_requester_only(world, who):
    access_request = create_request(world, "draft")
    actor = world.actor(getattr(world, who))
    if who == "requester":
        assert reading.get_access_request(actor, access_request.id) is access_request
    else:
        with pytest.raises(NotFoundError):
            reading.get_access_request(actor, access_request.id)
    assert _listed(world, who) == (1 if who == "requester" else 0)


def test_the_organisations_inbox_is_refused_to_anyone_who_does_not_review_for_it(world):
    create_request(world, "submitted")
    inbox = RequestFilters(organisation_id=world.owner.id)
    for who in ("requester", "stranger", "other_reviewer"):
        with pytest.raises(PermissionDeniedError):
            reading.list_access_requests(world.actor(getattr(world, who)), inbox, page=1, per_page=20)
    for who in ("reviewer", "org_admin", "site_admin"):
        page = reading.list_access_requests(world.actor(getattr(world, who)), inbox, page=1, per_page=20)
        assert page.total == 1


def test_the_summary_counts_only_the_organisations_a_reviewer_reviews(world):
    create_request(world, "submitted")
    create_request(world, "draft")
    for who in ("reviewer", "org_admin", "site_admin"):
        assert summarise_access_requests(world.actor(getattr(world, who)))["open"] == 1
    assert summarise_access_requests(world.actor(world.other_reviewer))["open"] == 0
    for who in ("requester", "stranger"):
        with pytest.raises(PermissionDeniedError):
            summarise_access_requests(world.actor(getattr(world, who)))
    with pytest.raises(PermissionDeniedError):
        summarise_access_requests(world.actor(world.other_reviewer), world.owner)
    with pytest.raises(AuthenticationError):
        summarise_access_requests(Actor.anonymous())


def test_submitting_tells_the_owning_reviewers_and_mailbox_and_nobody_else_without_the_answers(world):
    world.owner.access_request_mailbox = "data-access@dwp.gov.uk"
    db.session.commit()
    access_request = create_request(world, "submitted")
    told = _mail("access_request.submitted")
    assert {message.to_address for message in told} == {
        "data-access@dwp.gov.uk",
        world.reviewer.email,
        world.second_reviewer.email,
        world.org_admin.email,
    }
    for message in told:
        assert message.reference == str(access_request.id)
        assert f"/access-requests/{access_request.id}" in message.body_text
        for answer in complete_answers().values():
            if isinstance(answer, str) and len(answer) > 5:
                assert answer not in message.body_text


def test_a_draft_tells_nobody_and_a_decision_tells_only_the_requester(world):
    access_request = create_request(world, "draft")
    assert _mail() == []
    reviewer = world.actor(world.reviewer)
    service.transition_access_request(
        world.actor(world.requester), access_request, "submitted", declaration=True
    )
    service.transition_access_request(reviewer, access_request, "in_review")
    service.transition_access_request(reviewer, access_request, "rejected", comment="Personal reason text")
    for kind in ("access_request.in_review", "access_request.rejected"):
        assert [message.to_address for message in _mail(kind)] == [world.requester.email]
    assert all("Personal reason text" not in message.body_text for message in _mail())


def test_a_comment_tells_the_other_side_only_without_its_text(world):
    access_request = create_request(world, "in_review")
    timeline.comment_on_access_request(world.actor(world.reviewer), access_request, "Which years? secret-ish")
    assert [m.to_address for m in _mail("access_request.comment")] == [world.requester.email]
    timeline.comment_on_access_request(world.actor(world.requester), access_request, "2022 to 2026")
    to_reviewers = {m.to_address for m in _mail("access_request.comment")} - {world.requester.email}
    assert to_reviewers == {world.reviewer.email, world.second_reviewer.email, world.org_admin.email}
    assert all("secret-ish" not in m.body_text and "2022 to 2026" not in m.body_text for m in _mail())


def test_a_comment_on_a_draft_tells_nobody_as_the_department_cannot_see_it_yet(world):
    draft = create_request(world, "draft")
    timeline.comment_on_access_request(world.actor(world.requester), draft, "Note to self: ask about 2019")
    assert _mail() == []
    assert [e.comment for e in draft.events if e.kind == "comment"] == ["Note to self: ask about 2019"]
    submitted = create_request(world, "submitted")
    before = len(_mail("access_request.comment"))
    timeline.comment_on_access_request(world.actor(world.requester), submitted, "And 2020, please")
    assert len(_mail("access_request.comment")) == before + 3  # two reviewers and the org admin


def test_a_cancelled_draft_tells_nobody_and_a_cancelled_submission_tells_the_reviewers(world):
    draft = create_request(world, "draft")
    service.transition_access_request(world.actor(world.requester), draft, "cancelled")
    assert _mail() == []
    create_request(world, "cancelled")
    assert {m.to_address for m in _mail("access_request.cancelled")} == {
        world.reviewer.email,
        world.second_reviewer.email,
        world.org_admin.email,
    }


@pytest.mark.parametrize("change", ["withdrawn", "deleted"])
def test_a_withdrawn_or_deleted_entry_keeps_its_requests_readable(world, change):
    access_request = create_request(world, "submitted")
    if change == "withdrawn":
        withdraw_dataset(ADMIN, world.dataset.slug, reason="Replaced by a new series.")
    else:
        delete_dataset(ADMIN, world.dataset.slug)
    db.session.expire_all()
    for who in ("requester", "reviewer", "site_admin"):
        actor = world.actor(getattr(world, who))
        assert reading.get_access_request(actor, access_request.id).dataset.slug == world.dataset.slug
        assert _listed(world, who) == 1
    service.transition_access_request(world.actor(world.reviewer), access_request, "in_review")


def test_a_returned_section_reopens_and_the_request_can_be_changed_and_resubmitted(world):
    access_request = create_request(world, "in_review")
    requester = world.actor(world.requester)
    service.transition_access_request(
        world.actor(world.reviewer),
        access_request,
        "returned",
        comment="Name the legal gateway.",
        sections=["legal"],
    )
    statuses = {name: status for name, _, status in reading.section_statuses(access_request)}
    assert statuses == {
        "purpose": "completed",
        "legal": "returned",
        "data_protection": "completed",
        "governance": "completed",
    }
    with pytest.raises(ValidationError) as incomplete:
        service.transition_access_request(requester, access_request, "submitted", declaration=True)
    assert incomplete.value.code == "request_incomplete"
    assert "sections.legal" in incomplete.value.errors
    service.save_section(
        requester,
        access_request,
        "legal",
        {"legal_gateway": "Digital Economy Act 2017, Part 5."},
        completed=True,
    )
    service.transition_access_request(requester, access_request, "submitted", declaration=True)
    assert access_request.status == "submitted"
    assert access_request.returned_sections == []
    assert [e.to_status for e in access_request.events] == ["submitted", "in_review", "returned", "submitted"]
    assert access_request.events[2].sections == ["legal"]


@pytest.mark.parametrize("status", ["draft", "submitted", "in_review"])
def test_the_requester_can_cancel_before_a_decision(world, status):
    access_request = create_request(world, status)
    service.transition_access_request(world.actor(world.requester), access_request, "cancelled")
    assert access_request.status == "cancelled"


@pytest.mark.parametrize("status", ["accepted", "rejected", "cancelled"])
def test_the_requester_cannot_cancel_after_a_decision(world, status):
    access_request = create_request(world, status)
    with pytest.raises(ConflictError) as refused:
        service.transition_access_request(world.actor(world.requester), access_request, "cancelled")
    assert refused.value.code == "invalid_transition"


def test_answers_change_only_while_draft_or_returned_and_only_by_the_requester(world):
    access_request = create_request(world, "submitted")
    with pytest.raises(ConflictError) as refused:
        service.update_answers(world.actor(world.requester), access_request, {"format": "Parquet"})
    assert refused.value.code == "request_not_editable"
    with pytest.raises(PermissionDeniedError):
        service.update_answers(world.actor(world.reviewer), access_request, {"format": "Parquet"})


def test_changing_a_completed_sections_answer_makes_it_incomplete_again(world):
    access_request = create_request(world, "draft")
    service.update_answers(world.actor(world.requester), access_request, {"format": "Parquet"})
    assert access_request.completed_sections == ["purpose", "legal", "data_protection"]
    assert SECTIONS[-1] not in access_request.completed_sections


def test_a_stale_version_is_refused_and_nothing_is_overwritten(world):
    access_request = create_request(world, "draft")
    old = access_request.version
    service.update_answers(world.actor(world.requester), access_request, {"format": "Parquet"})
    with pytest.raises(service.PreconditionFailedError) as stale:
        service.update_answers(
            world.actor(world.requester), access_request, {"format": "JSON"}, expected_version=old
        )
    assert stale.value.code == "request_changed"
    db.session.expire_all()
    assert access_request.answers["format"] == "Parquet"


def test_machine_clients_and_read_only_tokens_cannot_make_requests(world):
    read_only = Actor.for_user(world.requester, "token", {"read"})
    with pytest.raises(PermissionDeniedError):
        service.start_access_request(read_only, world.dataset.slug)
    with pytest.raises(AuthenticationError):
        service.start_access_request(Actor.anonymous(), world.dataset.slug)


def test_an_open_entry_with_a_file_to_download_cannot_be_requested(world):
    open_entry = create_dataset(organisation=world.owner, access_rights="OPEN")
    with pytest.raises(ConflictError) as refused:
        service.start_access_request(world.actor(world.requester), open_entry.slug)
    assert refused.value.code == "not_requestable"
