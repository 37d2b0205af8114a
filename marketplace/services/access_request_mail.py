"""Who hears about a data share request's changes, and what the e-mail says.

Messages go through the mail outbox in the change's own transaction (services/mail.py). They
carry the request's reference, the entry's title, what happened and a link; never the
requester's answers or the text of a comment or reason, which may be personal: the link shows
those to whoever may see them.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import AccessRequest, Membership, User
from marketplace.queries.access_requests import REVIEWING_ROLES
from marketplace.rules.access_request_states import STATUS_LABELS
from marketplace.services.mail import queue_message

REQUEST_PATH = "/access-requests/{id}"


def request_link(access_request: AccessRequest) -> str:
    return current_app.config["BASE_URL"] + REQUEST_PATH.format(id=access_request.id)


def reviewer_addresses(access_request: AccessRequest, *, with_mailbox: bool) -> list[str]:
    """The owning organisation's reviewers and org admins (and its data-share mailbox when asked),
    never the requester, each once."""
    emails = db.session.scalars(
        select(User.email)
        .join(Membership, Membership.user_id == User.id)
        .where(
            Membership.organisation_id == access_request.organisation_id,
            Membership.role.in_(REVIEWING_ROLES),
        )
        .order_by(User.email)
    )
    found = list(dict.fromkeys(emails))
    mailbox = access_request.organisation.access_request_mailbox
    if with_mailbox and mailbox and mailbox.lower() not in {email.lower() for email in found}:
        found.insert(0, mailbox)
    return [email for email in found if email.lower() != access_request.requester_email.lower()]


def tell_about_move(access_request: AccessRequest, source: str, target: str) -> None:
    entry = access_request.dataset.title
    if target == "submitted":
        again = " again, with changes" if source == "returned" else ""
        _send(
            access_request,
            reviewer_addresses(access_request, with_mailbox=True),
            f"New data share request {access_request.reference}: {entry}",
            f"Someone has submitted{again} a request for the data in {entry}.\n\nRead it and decide: ",
            f"access_request.{target}",
        )
    elif target == "cancelled":
        if access_request.first_submitted_at is None:
            return  # a draft nobody else has seen
        _send(
            access_request,
            reviewer_addresses(access_request, with_mailbox=False),
            f"Data share request {access_request.reference} was cancelled",
            f"The requester cancelled their request for the data in {entry}.\n\nSee the request: ",
            "access_request.cancelled",
        )
    else:
        label = STATUS_LABELS[target].lower()
        _send(
            access_request,
            [access_request.requester_email],
            f"Your data share request {access_request.reference}: {label}",
            f"Your request for the data in {entry} is now {label}.\n\n"
            + (
                "Read what the department said and what to do next: " if target != "in_review" else "See it: "
            ),
            f"access_request.{target}",
        )


def tell_about_comment(access_request: AccessRequest, author_side: str) -> None:
    if access_request.first_submitted_at is None:
        return  # a draft the department cannot see yet: its comments are read once it is sent
    if author_side == "requester":
        recipients = reviewer_addresses(access_request, with_mailbox=False)
        who = "The requester"
    else:
        recipients = [access_request.requester_email]
        who = "The department"
    _send(
        access_request,
        recipients,
        f"New comment on data share request {access_request.reference}",
        f"{who} added a comment to the request for the data in {access_request.dataset.title}.\n\n"
        "Read it and reply: ",
        "access_request.comment",
    )


def _send(
    access_request: AccessRequest, recipients: list[str], subject: str, opening: str, kind: str
) -> None:
    body = (
        f"{opening}{request_link(access_request)}\n\n"
        f"Reference: {access_request.reference}\n\n"
        "This e-mail was sent by the Data Marketplace. Sign in to read the request; "
        "its answers are never sent by e-mail.\n"
    )
    for address in recipients:
        queue_message(to=address, subject=subject, body=body, kind=kind, reference=str(access_request.id))
