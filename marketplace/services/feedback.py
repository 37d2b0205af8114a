"""Feedback about the service: anyone may send it; site admins read it.

Where someone came from is kept only if it is a path on this site: it is shown to site admins,
so an address elsewhere (or a script) must never be kept. A bad one is dropped, not refused:
it comes from a hidden field that the person sending feedback cannot see or correct.
"""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError as SchemaValidationError
from sqlalchemy import func, select

from marketplace.auth.redirects import safe_next
from marketplace.errors import PermissionDeniedError, ValidationError
from marketplace.extensions import db
from marketplace.models import Feedback
from marketplace.rules.actors import Actor
from marketplace.rules.text import unstorable_text
from marketplace.schemas.feedback import FeedbackSchema
from marketplace.services.catalogue import Page

_SCHEMA = FeedbackSchema()


def page_came_from(value: Any) -> str | None:
    """`value` if it is a path on this site (at most 2,000 characters) that can be stored, else None."""
    if not isinstance(value, str) or unstorable_text(value):
        return None
    return safe_next(value, default="") or None


def give_feedback(actor: Actor, raw: dict[str, Any]) -> Feedback:
    """Keep what someone sent, with who sent it if they are signed in.

    ValidationError naming each bad field, and nothing kept.
    """
    try:
        data = _SCHEMA.load({**raw, "page": page_came_from(raw.get("page"))})
    except SchemaValidationError as error:
        raise ValidationError(error.messages) from error
    feedback = Feedback(
        doing=data.get("doing"),
        message=data["message"],
        reply_to=data.get("reply_to"),
        page=data.get("page"),
        user_id=actor.user_id,
    )
    db.session.add(feedback)
    db.session.commit()
    return feedback


def list_feedback(actor: Actor, *, page: int, per_page: int) -> Page:
    """What has been sent, newest first: for site admins only."""
    if not actor.is_site_admin:
        raise PermissionDeniedError("Only site admins can read the feedback people have sent.")
    total = db.session.scalar(select(func.count()).select_from(Feedback)) or 0
    items = db.session.scalars(
        select(Feedback)
        .order_by(Feedback.received_at.desc(), Feedback.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return Page(items=list(items), total=total, page=page, per_page=per_page)
