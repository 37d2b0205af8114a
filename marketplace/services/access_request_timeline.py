"""A data share request's timeline: each move and each comment is a line of it, with its author,
side, time and comment, never rewritten. Comments are added here; moves are services/access_requests.py's,
which writes their lines with add_event."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from marketplace.errors import ValidationError
from marketplace.extensions import db
from marketplace.models import AccessRequest, AccessRequestEvent
from marketplace.models.types import utcnow
from marketplace.rules.access_request_questions import check_answers
from marketplace.rules.actors import Actor
from marketplace.services import access_request_mail
from marketplace.services.access_request_reading import require_side

COMMENT_MAX = 5000


def _today() -> date:
    return datetime.now(UTC).date()


def comment_on_access_request(actor: Actor, access_request: AccessRequest, text: Any) -> AccessRequestEvent:
    """Add a comment to the timeline, from the requester or a reviewer; the other side is told."""
    side = require_side(actor, access_request, writing=True)
    comment = clean_comment(text, required=True)
    event = add_event(actor, access_request, side, "comment", comment)
    access_request_mail.tell_about_comment(access_request, side)
    # The request's row is not touched, so a comment never makes a reviewer's decision stale.
    db.session.commit()
    return event


def clean_comment(text: Any, *, required: bool) -> str | None:
    """The comment as stored (stripped), or None if there is none and none is `required`."""
    if text is None or (isinstance(text, str) and not text.strip()):
        if required:
            raise ValidationError({"comment": ["Enter a comment."]})
        return None
    if not isinstance(text, str):
        raise ValidationError({"comment": ["Send the comment as text."]})
    text = text.strip()
    if len(text) > COMMENT_MAX:
        raise ValidationError({"comment": [f"Write {COMMENT_MAX:,} characters or fewer."]})
    _, errors = check_answers({"purpose": text}, today=_today())
    if errors:
        raise ValidationError({"comment": errors["purpose"]})
    return text


def add_event(
    actor: Actor,
    access_request: AccessRequest,
    side: str,
    kind: str,
    comment: str | None,
    *,
    source: str | None = None,
    target: str | None = None,
) -> AccessRequestEvent:
    """Append a line to the request's timeline (written with the change's transaction)."""
    event = AccessRequestEvent(
        kind=kind,
        from_status=source,
        to_status=target,
        author_id=actor.user_id,
        author_label=actor.label,
        author_side=side,
        at=utcnow(),
        comment=comment,
        sections=[],
    )
    access_request.events.append(event)
    return event
