"""Data share requests: a signed-in person asks the organisation that owns an entry for its data;
the organisation's reviewers decide.

The rules, for every way in (question pages, the REST API, the seed):
- A request is made by a person (never an API client) for a published entry that is not open
  to download (access rights other than OPEN, or no file to download).
- It moves only as rules/access_request_states.py allows; each move and each comment is a
  line of its timeline, with its author, time and comment, never rewritten
  (services/access_request_timeline.py, where comments are added).
- It is seen by its requester, and once submitted by the owning organisation's reviewers and
  org admins and by site admins (services/access_request_reading.py).
- Two people changing one request at once: the second is refused (the row's version counter),
  never silently overwritten.
- Everyone who should hear about a change is told by e-mail, queued in the change's own
  transaction (services/access_request_mail.py).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from marketplace.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    PreconditionFailedError,
    ValidationError,
)
from marketplace.extensions import db
from marketplace.models import AccessRequest
from marketplace.models.types import utcnow
from marketplace.rules.access_request_questions import (
    SECTION_NAMES,
    SECTION_OF,
    SECTIONS,
    check_answers,
    missing_answers,
    section_named,
)
from marketplace.rules.access_request_states import (
    EDITABLE_STATUSES,
    STATUS_LABELS,
    find_transition,
    moves_from,
)
from marketplace.rules.actors import Actor
from marketplace.services import access_request_mail
from marketplace.services.access_request_reading import is_requestable, require_person, require_side
from marketplace.services.access_request_timeline import add_event, clean_comment
from marketplace.services.datasets import resolve_dataset
from marketplace.services.sign_in import organisation_for_email

CHANGED_MESSAGE = "Someone else changed this request while you were looking at it. Reload it and try again."


def _today() -> date:
    return datetime.now(UTC).date()


def start_access_request(actor: Actor, dataset_reference: str, answers: Any = None) -> AccessRequest:
    """Start a draft request for the entry named by id or slug, with any answers given."""
    require_person(actor, writing=True)
    dataset, _ = resolve_dataset(actor, dataset_reference)
    if not is_requestable(dataset):
        raise ConflictError(
            "This entry's data can be downloaded from its page, or it is not published: "
            "there is nothing to request.",
            {"dataset": ["This entry cannot be requested."]},
            code="not_requestable",
        )
    cleaned, errors = check_answers(answers or {}, today=_today())
    if errors:
        raise ValidationError(_prefixed(errors))
    requesting = organisation_for_email(actor.user.email)
    access_request = AccessRequest(
        reference=_new_reference(),
        dataset=dataset,
        organisation_id=dataset.organisation_id,
        requester=actor.user,
        requester_email=actor.user.email,
        requesting_organisation_id=requesting.id if requesting else None,
        status="draft",
        answers={name: value for name, value in cleaned.items() if value is not None},
        completed_sections=[],
        returned_sections=[],
    )
    db.session.add(access_request)
    _commit()
    return access_request


def update_answers(
    actor: Actor,
    access_request: AccessRequest,
    answers: Any,
    *,
    completed_sections: Iterable[str] | None = None,
    expected_version: int | None = None,
) -> AccessRequest:
    """Change answers (a missing key keeps its answer, null clears it) while the request is a draft
    or returned, and, if given, set which sections are complete (each must be fully answered).

    A section whose answers change is no longer complete unless it is named complete again."""
    side = require_side(actor, access_request, writing=True)
    if side != "requester":
        raise PermissionDeniedError("Only the person who made the request can change its answers.")
    if access_request.status not in EDITABLE_STATUSES:
        raise ConflictError(
            f"A request that is {STATUS_LABELS[access_request.status].lower()} cannot be changed.",
            code="request_not_editable",
        )
    _check_version(access_request, expected_version)
    cleaned, errors = check_answers(answers if answers is not None else {}, today=_today())
    merged = {**access_request.answers}
    changed_sections = set()
    for name, value in cleaned.items():
        if merged.get(name) != value:
            changed_sections.add(SECTION_OF[name])
        if value is None:
            merged.pop(name, None)
        else:
            merged[name] = value
    completed = [name for name in access_request.completed_sections if name not in changed_sections]
    if completed_sections is not None:
        wanted = list(dict.fromkeys(completed_sections))
        unknown = [name for name in wanted if name not in SECTION_NAMES]
        if unknown:
            errors["completed_sections"] = [f"There is no section called {unknown[0]!r}."]
        else:
            for name in wanted:
                errors.update(missing_answers(section_named(name), merged))
            completed = wanted
    if errors:
        raise ValidationError(_prefixed(errors))
    access_request.answers = merged
    access_request.completed_sections = [name for name in SECTION_NAMES if name in completed]
    access_request.returned_sections = [
        name for name in access_request.returned_sections if name not in access_request.completed_sections
    ]
    access_request.updated_at = utcnow()
    _commit()
    return access_request


def save_section(
    actor: Actor,
    access_request: AccessRequest,
    section_name: str,
    answers: dict[str, Any],
    *,
    completed: bool,
) -> AccessRequest:
    """Save one section's question page, and mark it complete or not ("Have you completed this
    section?")."""
    section = section_named(section_name)
    if section is None:
        raise NotFoundError(f"There is no section called {section_name!r}.")
    others = [name for name in access_request.completed_sections if name != section_name]
    return update_answers(
        actor,
        access_request,
        answers,
        completed_sections=[*others, section_name] if completed else others,
    )


def transition_access_request(
    actor: Actor,
    access_request: AccessRequest,
    to: Any,
    *,
    comment: Any = None,
    sections: Any = None,
    declaration: bool = False,
    expected_version: int | None = None,
) -> AccessRequest:
    """Move the request to `to` if the state machine lets `actor`'s side make that move.

    Submitting needs every section complete and the declaration; rejecting and returning need a
    comment (the reason); returning may name the sections to change, which reopens them."""
    side = require_side(actor, access_request, writing=True)
    comment = clean_comment(comment, required=False)
    if not isinstance(to, str) or to not in STATUS_LABELS:
        raise ValidationError({"to": [f"Choose one of: {', '.join(STATUS_LABELS)}."]})
    move = find_transition(access_request.status, to)
    if move is None or move.by != side:
        possible = [t.target for t in moves_from(access_request.status, side)]
        raise ConflictError(
            f"A request that is {STATUS_LABELS[access_request.status].lower()} cannot be moved to "
            f"{STATUS_LABELS[to].lower()} by you. "
            + (f"You can move it to: {', '.join(possible)}." if possible else "You cannot move it now."),
            {"to": [f"Not possible from {access_request.status}."]},
            code="invalid_transition",
            current_status=access_request.status,
            allowed=possible,
        )
    _check_version(access_request, expected_version)
    if move.comment_required and comment is None:
        raise ValidationError({"comment": ["Give the reason: the requester will read it."]})
    returned = _returned_sections(sections) if to == "returned" else []
    if to == "submitted":
        _check_complete(access_request, declaration)
    now = utcnow()
    source = access_request.status
    access_request.status = to
    access_request.updated_at = now
    if to == "submitted":
        access_request.submitted_at = now
        access_request.first_submitted_at = access_request.first_submitted_at or now
        access_request.declaration_accepted_at = now
        access_request.decided_at = None
        access_request.returned_sections = []
    if to in ("accepted", "rejected", "returned"):
        access_request.decided_at = now
    if to == "returned":
        access_request.returned_sections = returned
        access_request.completed_sections = [
            name for name in access_request.completed_sections if name not in returned
        ]
    # The move is written first, so that a reviewer who decided at the same moment is refused
    # here (request_changed) before anything else is read or queued.
    _flush()
    event = add_event(actor, access_request, side, "transition", comment, source=source, target=to)
    event.sections = returned
    access_request_mail.tell_about_move(access_request, source, to)
    _commit()
    return access_request


# --- helpers ---------------------------------------------------------------------------------


def _check_version(access_request: AccessRequest, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != access_request.version:
        raise PreconditionFailedError(CHANGED_MESSAGE, code="request_changed")


def _check_complete(access_request: AccessRequest, declaration: bool) -> None:
    errors: dict[str, list[str]] = {}
    for section in SECTIONS:
        missing = missing_answers(section, access_request.answers)
        errors.update(_prefixed(missing))
        if not missing and section.name not in access_request.completed_sections:
            errors[f"sections.{section.name}"] = [f"Mark '{section.title}' as completed."]
    # Answers saved earlier may have aged: a needed-by date that has passed must be changed.
    _, stale = check_answers({"needed_by": access_request.answers.get("needed_by")}, today=_today())
    errors.update(_prefixed(stale))
    if declaration is not True:
        errors["declaration"] = ["Confirm the declaration to submit the request."]
    if errors:
        raise ValidationError(
            errors, "The request is not ready to submit. " + _fields(errors), code="request_incomplete"
        )


def _fields(errors: dict[str, list[str]]) -> str:
    return "Check: " + ", ".join(sorted(errors)) + "."


def _returned_sections(sections: Any) -> list[str]:
    if sections is None:
        return []
    if not isinstance(sections, list) or not all(isinstance(name, str) for name in sections):
        raise ValidationError({"sections": ["Send a list of section names."]})
    unknown = [name for name in sections if name not in SECTION_NAMES]
    if unknown:
        raise ValidationError(
            {"sections": [f"There is no section called {unknown[0]!r}. Use: {', '.join(SECTION_NAMES)}."]}
        )
    return [name for name in SECTION_NAMES if name in sections]


def _prefixed(errors: dict[str, list[str]]) -> dict[str, list[str]]:
    """Answer errors named as the API's fields are: answers.<question>."""
    return {
        (
            name
            if name.startswith(("answers.", "sections.")) or name in ("answers", "completed_sections")
            else f"answers.{name}"
        ): messages
        for name, messages in errors.items()
    }


def _new_reference() -> str:
    # 8 characters from 32 (no 0/O or 1/I to misread): about 10^12 values; a clash is retried by
    # the unique constraint being checked here first.
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    while True:
        reference = "DSR-" + "".join(secrets.choice(alphabet) for _ in range(8))
        if db.session.scalar(select(AccessRequest.id).where(AccessRequest.reference == reference)) is None:
            return reference


def _commit() -> None:
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise ConflictError(CHANGED_MESSAGE, code="request_changed") from None


def _flush() -> None:
    try:
        db.session.flush()
    except StaleDataError:
        db.session.rollback()
        raise ConflictError(CHANGED_MESSAGE, code="request_changed") from None
