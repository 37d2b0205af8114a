"""Sending the mail outbox (services/mail.py) to a real SMTP server on loopback, and to .eml files:
what must hold is that every committed message arrives, at least once, with the Message-ID it was
queued with; that nothing is lost while the server is down; and that no two senders send one
message at the same time."""

from __future__ import annotations

import threading
from datetime import timedelta
from email import policy
from email.parser import BytesParser
from email.utils import parseaddr, parsedate_to_datetime

import pytest
from sqlalchemy import func, select, update

from marketplace.extensions import db
from marketplace.models import MailMessage
from marketplace.models.types import utcnow
from marketplace.services import mail
from marketplace.services.mail import build_email, queue_message, retry_delay, send_pending
from tests.conftest import make_app
from tests.mail_server import mail_server


@pytest.fixture
def smtp(app):
    """A real SMTP server, and the app sending to it."""
    with mail_server() as server:
        app.config.update(server.config)
        yield server


def _queue(number: int = 1, **fields) -> MailMessage:
    message = queue_message(
        **{
            "to": f"person{number}@dwp.gov.uk",
            "subject": f"Data share request DSR-{number} submitted",
            "body": f"Hello {number},\n\nA request is waiting: https://example.test/ar/{number}\n",
            "kind": "access_request.submitted",
            "reference": f"ref-{number}",
            **fields,
        }
    )
    db.session.commit()
    return message


def _row(message_id: int) -> MailMessage:
    db.session.expire_all()
    return db.session.get(MailMessage, message_id)


def _make_due(message_id: int) -> None:
    """Time has passed (the test never sleeps for it): the next try is due now."""
    db.session.execute(
        update(MailMessage)
        .where(MailMessage.id == message_id)
        .values(next_attempt_at=utcnow() - timedelta(seconds=1))
    )
    db.session.commit()


def test_a_message_is_delivered_over_smtp_with_the_message_id_it_was_queued_with(app, smtp):
    subject = "Your request DSR-1 was accepted \N{EN DASH} next steps"
    message = _queue(subject=subject, body="Grüße,\nthe team\n")
    assert send_pending() == {"claimed": 1, "sent": 1, "retrying": 0, "failed": 0}

    [received] = smtp.received
    assert received.recipients == ["person1@dwp.gov.uk"]
    assert received.mail_from == parseaddr(app.config["MAIL_FROM"])[1]
    email = received.message
    assert email["Message-ID"] == message.message_id
    assert email["From"] == app.config["MAIL_FROM"]
    assert email["To"] == "person1@dwp.gov.uk"
    assert email["Subject"] == subject
    assert parsedate_to_datetime(email["Date"]) == message.created_at.replace(microsecond=0)
    assert email.get_content_type() == "text/plain" and email.get_content_charset() == "utf-8"
    assert email.get_content() == "Grüße,\nthe team\n"
    sent = _row(message.id)
    assert (sent.status, sent.attempts, sent.claimed_until, sent.last_error) == ("sent", 1, None, None)
    assert sent.sent_at is not None and sent.delivered_to == f"smtp:127.0.0.1:{smtp.port}"
    # Sent once: the next round finds nothing.
    assert send_pending()["claimed"] == 0 and len(smtp.received) == 1


def test_while_the_server_is_down_a_message_waits_and_is_sent_once_when_it_is_back(app, smtp):
    message = _queue()
    smtp.stop()
    before = utcnow()
    assert send_pending() == {"claimed": 1, "sent": 0, "retrying": 1, "failed": 0}
    waiting = _row(message.id)
    assert (waiting.status, waiting.attempts, waiting.claimed_until) == ("pending", 1, None)
    assert "Connection refused" in waiting.last_error or "cannot connect" in waiting.last_error
    assert waiting.next_attempt_at >= before + timedelta(seconds=30)
    # Not due yet: nothing is tried again at once.
    assert send_pending()["claimed"] == 0

    smtp.start()
    assert send_pending()["claimed"] == 0 and smtp.received == []
    _make_due(message.id)
    assert send_pending()["sent"] == 1
    assert [email["Message-ID"] for email in smtp.messages()] == [message.message_id]
    sent = _row(message.id)
    assert (sent.status, sent.attempts) == ("sent", 2)
    assert send_pending()["claimed"] == 0 and len(smtp.received) == 1


def test_the_wait_doubles_from_30_seconds_to_at_most_an_hour():
    assert [retry_delay(n).total_seconds() for n in range(1, 10)] == [
        30,
        60,
        120,
        240,
        480,
        960,
        1920,
        3600,
        3600,
    ]
    assert retry_delay(1000) == timedelta(hours=1)


def test_a_message_refused_max_attempts_times_is_marked_failed_and_left_alone(app, smtp):
    app.config["MAIL_MAX_ATTEMPTS"] = 3
    message = _queue()
    smtp.refused.add(message.to_address)  # 550: this message's own fault, every time
    for attempt in (1, 2):
        assert send_pending()["retrying"] == 1
        assert _row(message.id).attempts == attempt
        _make_due(message.id)
    assert send_pending() == {"claimed": 1, "sent": 0, "retrying": 0, "failed": 1}
    failed = _row(message.id)
    assert (failed.status, failed.attempts) == ("failed", 3) and failed.last_error
    smtp.refused.clear()
    _make_due(message.id)
    assert send_pending()["claimed"] == 0 and smtp.received == []


def test_a_server_down_for_longer_than_max_attempts_tries_loses_nothing(app, smtp):
    app.config["MAIL_MAX_ATTEMPTS"] = 3
    message = _queue()
    smtp.stop()
    for attempt in range(1, 7):  # twice as many tries as a refused message gets
        assert send_pending() == {"claimed": 1, "sent": 0, "retrying": 1, "failed": 0}
        waiting = _row(message.id)
        assert (waiting.status, waiting.attempts) == ("pending", attempt)
        _make_due(message.id)
    smtp.start()
    assert send_pending() == {"claimed": 1, "sent": 1, "retrying": 0, "failed": 0}
    assert [email["Message-ID"] for email in smtp.messages()] == [message.message_id]


def test_one_refused_recipient_does_not_stop_the_others(app, smtp):
    messages = [_queue(number) for number in (1, 2, 3)]
    smtp.refused.add("person2@dwp.gov.uk")
    assert send_pending() == {"claimed": 3, "sent": 2, "retrying": 1, "failed": 0}
    assert sorted(email["To"] for email in smtp.messages()) == ["person1@dwp.gov.uk", "person3@dwp.gov.uk"]
    refused = _row(messages[1].id)
    assert refused.status == "pending" and refused.attempts == 1
    assert "SMTPRecipientsRefused" in refused.last_error and "550" in refused.last_error


def test_without_a_server_each_message_is_written_as_an_eml_file_that_reads_back_the_same(app, tmp_path):
    app.config.update(MAIL_SERVER="", MAIL_DIR=str(tmp_path / "mail"))
    message = _queue(subject="Über <b>data</b>", body="Line one\nLine two \N{EN DASH} with a dash\n")
    assert send_pending()["sent"] == 1

    name = f"{message.created_at:%Y%m%dT%H%M%S}-{message.id}.eml"
    assert [path.name for path in (tmp_path / "mail").iterdir()] == [name]  # no temporary file left
    assert _row(message.id).delivered_to == name
    with open(tmp_path / "mail" / name, "rb") as file:
        parsed = BytesParser(policy=policy.default).parse(file)
    expected = build_email(_row(message.id))
    assert list(parsed.items()) == list(expected.items())
    assert parsed["Message-ID"] == message.message_id and parsed["Subject"] == "Über <b>data</b>"
    assert parsed.get_content() == "Line one\nLine two \N{EN DASH} with a dash\n"


def test_a_sender_that_died_holding_a_message_is_taken_over_once_its_lease_has_passed(app, smtp):
    died, busy = _queue(1), _queue(2)
    now = utcnow()
    db.session.execute(
        update(MailMessage).where(MailMessage.id == died.id).values(status="sending", claimed_until=now)
    )
    # Another sender is working on this one right now: it is not touched.
    db.session.execute(
        update(MailMessage)
        .where(MailMessage.id == busy.id)
        .values(status="sending", claimed_until=now + timedelta(minutes=4))
    )
    db.session.commit()
    assert send_pending() == {"claimed": 1, "sent": 1, "retrying": 0, "failed": 0}
    assert [email["Message-ID"] for email in smtp.messages()] == [died.message_id]
    assert _row(busy.id).status == "sending"


def test_a_sender_that_dies_after_the_server_accepted_sends_again_with_the_same_message_id(
    app, smtp, monkeypatch
):
    message = _queue()

    def die(*args, **kwargs):
        raise SystemExit("killed")

    with monkeypatch.context() as patched:
        patched.setattr(mail, "_record_sent", die)
        with pytest.raises(SystemExit):
            send_pending()
    db.session.rollback()
    assert _row(message.id).status == "sending" and len(smtp.received) == 1
    assert send_pending()["claimed"] == 0  # still within the dead sender's lease
    db.session.execute(update(MailMessage).where(MailMessage.id == message.id).values(claimed_until=utcnow()))
    db.session.commit()
    assert send_pending()["sent"] == 1
    assert [email["Message-ID"] for email in smtp.messages()] == [message.message_id] * 2
    assert _row(message.id).status == "sent"


def test_a_round_claims_at_most_its_limit(app, smtp):
    for number in range(10):
        _queue(number)
    assert send_pending(limit=3) == {"claimed": 3, "sent": 3, "retrying": 0, "failed": 0}
    assert len(smtp.received) == 3
    pending = select(func.count()).where(MailMessage.status == "pending")
    assert db.session.scalar(pending) == 7


def test_a_rolled_back_change_queues_nothing(app, smtp):
    queue_message(to="a@dwp.gov.uk", subject="Never", body="Never", kind="test")
    db.session.rollback()
    assert send_pending()["claimed"] == 0
    assert db.session.scalar(select(func.count()).select_from(MailMessage)) == 0 and smtp.received == []


@pytest.mark.parametrize(
    ("settings", "words"),
    [
        ({"MAIL_USE_TLS": True}, "STARTTLS extension not supported"),
        ({"MAIL_USERNAME": "sender", "MAIL_PASSWORD": "s3cret-Passw0rd"}, "AUTH extension not supported"),
    ],
    ids=["starttls", "login"],
)
def test_starttls_and_login_problems_are_failures_to_retry_not_crashes(app, smtp, settings, words):
    app.config.update(settings)
    messages = [_queue(1), _queue(2)]
    assert send_pending() == {"claimed": 2, "sent": 0, "retrying": 2, "failed": 0}
    for message in messages:
        row = _row(message.id)
        assert row.status == "pending" and row.attempts == 1
        assert words in row.last_error and "s3cret" not in row.last_error
    assert smtp.received == []


def test_the_password_never_appears_in_a_stored_error(app, smtp, monkeypatch):
    app.config.update(MAIL_USERNAME="sender", MAIL_PASSWORD="s3cret-Passw0rd")

    def login(self, user, password, **kwargs):
        raise mail.smtplib.SMTPAuthenticationError(535, f"bad credentials {user}:{password}".encode())

    monkeypatch.setattr(mail.smtplib.SMTP, "login", login)
    message = _queue()
    assert send_pending()["retrying"] == 1
    error = _row(message.id).last_error
    assert "bad credentials sender:***" in error and "s3cret" not in error and len(error) <= 1000


def test_a_round_that_outlives_its_lease_hands_the_rest_back_untried(app, smtp, monkeypatch):
    monkeypatch.setattr(mail, "LEASE", timedelta(seconds=20))  # shorter than the safety margin
    first = _queue(1)
    assert send_pending() == {"claimed": 0, "sent": 0, "retrying": 0, "failed": 0}
    row = _row(first.id)
    assert (row.status, row.attempts, row.claimed_until) == ("pending", 0, None) and smtp.received == []


def test_two_senders_never_send_one_message_twice(app, smtp, database_kind, database_url, tmp_path):
    if database_kind != "postgresql":
        pytest.skip("senders on several hosts share PostgreSQL (run with --db postgresql)")
    messages = [_queue(number) for number in range(60)]
    smtp.delay = 0.01
    start = threading.Barrier(2)
    problems: list[BaseException] = []
    sent_by: dict[int, int] = {}

    # Made here, not in the threads: CPython 3.11's ast.parse (which Werkzeug uses to compile each
    # URL rule) is not safe in two threads at once ("AST constructor recursion depth mismatch").
    apps = {number: make_app(database_url, tmp_path / f"sender{number}", **smtp.config) for number in (1, 2)}

    def sender(number: int) -> None:
        other = apps[number]
        with other.app_context():
            try:
                db.session.execute(select(1))  # connected before the start, so both start at once
                start.wait(timeout=10)
                sent_by[number] = 0
                while counts := send_pending(limit=3):
                    if not counts["claimed"]:
                        break
                    sent_by[number] += counts["sent"]
            except BaseException as error:  # reported by the test, not lost in the thread
                problems.append(error)
            finally:
                # Closed here: the app is gone before the suite's own clean-up could close its pool.
                db.session.remove()
                db.engine.dispose()

    threads = [threading.Thread(target=sender, args=(number,)) for number in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not problems, problems
    assert sum(sent_by.values()) == 60, sent_by
    # Both took part: the claims really overlapped.
    assert all(sent_by.values()), sent_by
    sent_ids = [email["Message-ID"] for email in smtp.messages()]
    assert sorted(sent_ids) == sorted(message.message_id for message in messages)
    assert db.session.scalar(select(func.count()).where(MailMessage.status == "sent")) == 60
