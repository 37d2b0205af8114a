"""E-mail through an outbox.

A change that tells someone about itself calls `queue_message` inside its own transaction, so
the message exists exactly when the change does: a rolled-back change sends nothing, and a
committed one is never forgotten even if the SMTP server is down. `send_pending` (run by
`flask mail send`) delivers what is due.
"""

from __future__ import annotations

import uuid
from email.utils import parseaddr

from flask import current_app

from marketplace.extensions import db
from marketplace.models import MailMessage


def queue_message(
    *, to: str, subject: str, body: str, kind: str, reference: str | None = None
) -> MailMessage:
    """Add a message to the outbox in the caller's transaction (the caller commits)."""
    domain = parseaddr(current_app.config["MAIL_FROM"])[1].rpartition("@")[2] or "localhost"
    message = MailMessage(
        message_id=f"<{uuid.uuid4()}@{domain}>",
        to_address=to,
        subject=subject[:255],
        body_text=body,
        kind=kind,
        reference=reference,
    )
    db.session.add(message)
    return message
