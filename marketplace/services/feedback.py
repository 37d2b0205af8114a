"""Feedback about the service: anyone may send it; site admins read it."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError as SchemaValidationError
from sqlalchemy import func, select

from marketplace.auth.redirects import safe_next
from marketplace.errors import PermissionDeniedError, ValidationError
from marketplace.extensions import db
from marketplace.models import Feedback
from marketplace.schemas.feedback import FeedbackSchema
from marketplace.services.actors import Actor
from marketplace.services.catalogue import Page

_SCHEMA = FeedbackSchema()


def give_feedback(actor: Actor, raw: dict[str, Any]) -> Feedback:
    """Keep what someone sent; ValidationError naming each bad field, and nothing kept."""
    try:
        data = _SCHEMA.load(raw)
    except SchemaValidationError as error:
        raise ValidationError(error.messages) from error
    # Only a path on this site is kept as where they came from (it is shown to site admins).
    page = data.get("page")
    feedback = Feedback(
        doing=data.get("doing"),
        message=data["message"],
        reply_to=data.get("reply_to"),
        page=page if page and safe_next(page, default="") == page else None,
        user_id=actor.user_id if actor.is_authenticated and actor.user else None,
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
