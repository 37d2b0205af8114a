"""Site admins' pages on the e-mail the service sends: the outbox, newest first, and each message
as it was (or will be) sent, with where it went. Sending is `flask mail send`'s job."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from marketplace.auth.session import session_actor
from marketplace.models.mail import MAIL_STATUSES
from marketplace.schemas.listing import load_page_number
from marketplace.services.mail import build_email, get_message, list_messages
from marketplace.web.access import sign_in_required

bp = Blueprint("mail_pages", __name__)
MESSAGES_PER_PAGE = 50


@bp.get("/admin/mail")
@sign_in_required
def messages():
    status = request.args.get("status") or None
    found = list_messages(
        session_actor(), status=status, page=load_page_number(request.args), per_page=MESSAGES_PER_PAGE
    )
    return render_template("admin/mail_list.html", messages=found, status=status, statuses=MAIL_STATUSES)


@bp.get("/admin/mail/<int:message_id>")
@sign_in_required
def message(message_id: int):
    found = get_message(session_actor(), message_id)
    return render_template("admin/mail_message.html", message=found, headers=build_email(found).items())
