"""E-mail through an outbox.

A change that tells someone about itself calls `queue_message` inside its own transaction, so
the message exists exactly when the change does: a rolled-back change sends nothing, and a
committed one is never forgotten even if the SMTP server is down. `send_pending` (run by
`flask mail send`) delivers what is due.

The guarantee is at-least-once delivery. A sender claims due messages for a lease (committed
before anything is sent; on PostgreSQL with SKIP LOCKED, so senders on several hosts never claim
the same message), delivers each, and marks each sent in its own commit right after. A sender
that dies after the SMTP server accepted a message but before marking it leaves the message
claimed; once the lease has passed another round sends it again, with the same Message-ID
(fixed when it was queued), so a receiving server or mail client can recognise the copy.
Nothing is lost while the server is down: a failed message waits, backing off from 30 seconds
to an hour, and is marked failed only after MAIL_MAX_ATTEMPTS tries.
"""

from __future__ import annotations

import logging
import os
import re
import smtplib
import ssl
import tempfile
import uuid
from datetime import timedelta
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import format_datetime, parseaddr
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import and_, func, or_, select, update

from marketplace.errors import BadRequestError, NotFoundError, PermissionDeniedError
from marketplace.extensions import db
from marketplace.models import MailMessage
from marketplace.models.mail import MAIL_STATUSES
from marketplace.models.types import utcnow
from marketplace.rules.actors import Actor
from marketplace.services.catalogue import Page

log = logging.getLogger(__name__)

# How long a claim lasts: a round that has not finished by then stops and hands back the rest,
# so a message is never sent by two living senders.
LEASE = timedelta(minutes=5)
LEASE_MARGIN = timedelta(seconds=30)
FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=1)
ERROR_LENGTH = 1000


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


class _OneLineMessageId(EmailPolicy):
    """The standard policy, but the Message-ID is never folded onto a second line: a folded one is
    legal, yet Python's parser (and others like it) reads it back with a leading space, and then
    it no longer equals the ID a receiver saw the first time."""

    def fold(self, name: str, value: Any) -> str:
        if name.lower() == "message-id":
            return f"{name}: {value}{self.linesep}"
        return super().fold(name, value)

    def fold_binary(self, name: str, value: Any) -> bytes:
        if name.lower() == "message-id":
            return f"{name}: {value}{self.linesep}".encode("ascii")
        return super().fold_binary(name, value)


MAIL_POLICY = _OneLineMessageId()


def build_email(message: MailMessage) -> EmailMessage:
    """The e-mail as it is sent (and as the admin pages show it): the same bytes every time."""
    email = EmailMessage(policy=MAIL_POLICY)
    email["From"] = current_app.config["MAIL_FROM"]
    email["To"] = message.to_address
    # A header cannot span lines; a title with a line break in it is sent on one.
    email["Subject"] = re.sub(r"[\r\n]+", " ", message.subject)
    email["Date"] = format_datetime(message.created_at)
    email["Message-ID"] = message.message_id
    email.set_content(message.body_text, charset="utf-8")
    return email


def retry_delay(attempts: int) -> timedelta:
    """The wait after the `attempts`th failure: 30 s, doubling, at most an hour."""
    return min(FIRST_RETRY * 2 ** min(attempts - 1, 20), LONGEST_RETRY)


def send_pending(*, limit: int = 100) -> dict[str, int]:
    """Claim up to `limit` due messages and deliver them; counts of claimed, sent, retrying, failed."""
    claimed = claim_due(limit=limit)
    counts = {"claimed": len(claimed), "sent": 0, "retrying": 0, "failed": 0}
    if not claimed:
        return counts
    lease_ends = min(message.claimed_until for message in claimed)
    transport = _Transport(current_app.config)
    try:
        for number, message in enumerate(claimed):
            if utcnow() > lease_ends - LEASE_MARGIN:
                counts["claimed"] -= _release(claimed[number:])
                break
            try:
                delivered_to = transport.deliver(message, build_email(message))
            except Exception as error:  # any failure is this message's, never the round's
                server_fault = _is_server_fault(error)
                counts[_record_failure(message, _describe(error), counts_as_try=not server_fault)] += 1
                if isinstance(error, UnreachableError):
                    # The server is down or refuses us: every other message would fail the same way.
                    for waiting in claimed[number + 1 :]:
                        counts[_record_failure(waiting, _describe(error), counts_as_try=False)] += 1
                    break
                continue
            _record_sent(message, delivered_to)
            counts["sent"] += 1
    finally:
        transport.close()
    log.info(
        "Mail round: %s sent, %s to retry, %s failed",
        counts["sent"],
        counts["retrying"],
        counts["failed"],
        extra={"mail_counts": counts},
    )
    return counts


def claim_due(*, limit: int) -> list[MailMessage]:
    """Mark up to `limit` due messages as being sent by this sender until now + LEASE, and commit.

    Due: pending and its time has come, or claimed by a sender whose lease has passed (one that
    died). PostgreSQL skips rows another sender is claiming at the same moment; SQLite runs one
    writer at a time, and the condition is checked again by the UPDATE itself.
    """
    now = utcnow()
    due = or_(
        and_(MailMessage.status == "pending", MailMessage.next_attempt_at <= now),
        and_(MailMessage.status == "sending", MailMessage.claimed_until < now),
    )
    # Chosen once, in a CTE: PostgreSQL may run an IN (subquery) again for each row it updates,
    # and each run would skip the rows the last one locked, claiming far more than `limit`.
    candidates = (
        select(MailMessage.id)
        .where(due)
        .order_by(MailMessage.next_attempt_at, MailMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .cte("candidates")
        .prefix_with("MATERIALIZED", dialect="postgresql")
    )
    ids = db.session.scalars(
        update(MailMessage)
        .where(MailMessage.id.in_(select(candidates.c.id)), due)
        .values(status="sending", claimed_until=now + LEASE)
        .returning(MailMessage.id)
        .execution_options(synchronize_session=False)
    ).all()
    db.session.commit()
    if not ids:
        return []
    claimed = list(
        db.session.scalars(select(MailMessage).where(MailMessage.id.in_(ids)).order_by(MailMessage.id))
    )
    # Read once and let go of: no transaction (on SQLite, no lock) stays open while the SMTP server
    # is talked to, and what is recorded afterwards is written by id.
    for message in claimed:
        db.session.expunge(message)
    db.session.commit()
    return claimed


def list_messages(actor: Actor, *, status: str | None, page: int, per_page: int) -> Page:
    """The outbox, newest first, optionally of one status: for site admins only."""
    _site_admins_only(actor)
    if status is not None and status not in MAIL_STATUSES:
        choices = f"Must be one of: {', '.join(MAIL_STATUSES)}."
        raise BadRequestError(f"Status: {choices}", {"status": [choices]})
    where = [MailMessage.status == status] if status else []
    total = db.session.scalar(select(func.count()).select_from(MailMessage).where(*where)) or 0
    items = db.session.scalars(
        select(MailMessage)
        .where(*where)
        .order_by(MailMessage.created_at.desc(), MailMessage.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return Page(items=list(items), total=total, page=page, per_page=per_page)


def get_message(actor: Actor, message_id: int) -> MailMessage:
    """One message of the outbox: for site admins only."""
    _site_admins_only(actor)
    # An id beyond a BIGINT would be an error from PostgreSQL, not "no such message".
    message = db.session.get(MailMessage, message_id) if 0 < message_id < 2**63 else None
    if message is None:
        raise NotFoundError("There is no such e-mail.")
    return message


def _site_admins_only(actor: Actor) -> None:
    if not actor.is_site_admin:
        raise PermissionDeniedError("Only site admins can read the e-mail the service sends.")


class UnreachableError(Exception):
    """The SMTP server could not be reached or would not let us in (connection, STARTTLS, login)."""


class _Transport:
    """Where messages go: one SMTP conversation for a round (opened at its first message), or
    .eml files in MAIL_DIR when no MAIL_SERVER is set."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config
        self.client: smtplib.SMTP | None = None

    def deliver(self, message: MailMessage, email: EmailMessage) -> str:
        if not self.config["MAIL_SERVER"]:
            return _write_eml(Path(self.config["MAIL_DIR"]), message, email)
        if self.client is None:
            self.client = self._connect()
        sender = parseaddr(self.config["MAIL_FROM"])[1]
        try:
            self.client.send_message(email, from_addr=sender, to_addrs=[message.to_address])
        except (smtplib.SMTPServerDisconnected, OSError):
            self.close()  # the next message starts a new conversation
            raise
        return f"smtp:{self.config['MAIL_SERVER']}:{self.config['MAIL_PORT']}"

    def _connect(self) -> smtplib.SMTP:
        config = self.config
        try:
            client = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"])
        except (smtplib.SMTPException, OSError) as error:
            raise UnreachableError(f"cannot connect: {_describe(error)}") from error
        try:
            client.ehlo()
            if config["MAIL_USE_TLS"]:
                client.starttls(context=ssl.create_default_context())
                client.ehlo()
            if config["MAIL_USERNAME"]:
                client.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        except (smtplib.SMTPException, OSError) as error:
            client.close()
            raise UnreachableError(f"{_describe(error)}") from error
        return client

    def close(self) -> None:
        if self.client is None:
            return
        try:
            self.client.quit()
        except (smtplib.SMTPException, OSError):
            self.client.close()
        self.client = None


def _write_eml(folder: Path, message: MailMessage, email: EmailMessage) -> str:
    """Write the message as <created>-<id>.eml, whole or not at all (a temporary file, then renamed)."""
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{message.created_at:%Y%m%dT%H%M%S}-{message.id}.eml"
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(email.as_bytes())
        os.replace(temporary, folder / name)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return name


def _record_sent(message: MailMessage, delivered_to: str) -> None:
    db.session.execute(
        update(MailMessage)
        .where(MailMessage.id == message.id)
        .values(
            status="sent",
            attempts=message.attempts + 1,
            sent_at=utcnow(),
            claimed_until=None,
            delivered_to=delivered_to[:255],
            last_error=None,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    log.info("Sent e-mail %s (%s)", message.id, message.kind, extra={"mail_id": message.id})


def _is_server_fault(error: BaseException) -> bool:
    """A failure of the server or the way to it, not of this message: unreachable, refusing us,
    gone mid-conversation, or a temporary (4xx) answer. It says nothing about the message, so it
    never uses up the message's tries."""
    if isinstance(error, UnreachableError | smtplib.SMTPServerDisconnected):
        return True
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [answer[0] for answer in error.recipients.values()]
        return bool(codes) and all(400 <= code < 500 for code in codes)
    if isinstance(error, smtplib.SMTPResponseException):
        return 400 <= error.smtp_code < 500
    # SMTPException is an OSError too: any other SMTP answer is about this message.
    return isinstance(error, OSError) and not isinstance(error, smtplib.SMTPException)


def _record_failure(message: MailMessage, error: str, *, counts_as_try: bool = True) -> str:
    """A failed try: back to pending for later, or failed after MAIL_MAX_ATTEMPTS tries that were
    the message's own fault. While the server is down or answers "try later", a message waits (up
    to an hour between tries) however long that lasts: nothing is lost to an outage. Which one."""
    now = utcnow()
    attempts = message.attempts + 1
    out_of_tries = counts_as_try and attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]
    status = "failed" if out_of_tries else "pending"
    # Only while still ours: another sender may have taken over after our lease and sent it.
    db.session.execute(
        update(MailMessage)
        .where(MailMessage.id == message.id, MailMessage.status == "sending")
        .values(
            status=status,
            attempts=attempts,
            last_error=error[:ERROR_LENGTH],
            claimed_until=None,
            next_attempt_at=now + retry_delay(attempts) if status == "pending" else message.next_attempt_at,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    log.warning(
        "E-mail %s (%s) not sent, try %s: %s",
        message.id,
        message.kind,
        attempts,
        error[:200],
        extra={"mail_id": message.id, "attempts": attempts, "mail_status": status},
    )
    return "failed" if status == "failed" else "retrying"


def _release(messages: list[MailMessage]) -> int:
    """Hand back claimed messages untried (the lease is nearly over); how many."""
    ids = [message.id for message in messages]
    db.session.execute(
        update(MailMessage)
        .where(MailMessage.id.in_(ids), MailMessage.status == "sending")
        .values(status="pending", claimed_until=None)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return len(ids)


def _describe(error: BaseException) -> str:
    """The error in one line, without the SMTP password."""
    text = error.args[0] if isinstance(error, UnreachableError) else f"{type(error).__name__}: {error}"
    password = current_app.config["MAIL_PASSWORD"]
    if password:
        text = text.replace(password, "***")
    return " ".join(text.split())[:ERROR_LENGTH]
