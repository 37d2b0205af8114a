"""``mail send`` and ``mail list``, run as an operator would: once from the test's runner, and
``mail send --loop`` as a process of its own that a signal stops cleanly."""

from __future__ import annotations

import os
import signal
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlalchemy.exc import OperationalError

from marketplace.cli import mail as mail_cli
from marketplace.extensions import db
from marketplace.models import MailMessage
from marketplace.models.types import utcnow
from marketplace.services.mail import queue_message
from tests.consistency.processes import process_env, start_flask_command
from tests.mail_server import mail_server


@pytest.fixture
def mail_dir(app, tmp_path: Path) -> Path:
    folder = tmp_path / "mail"
    app.config.update(MAIL_SERVER="", MAIL_DIR=str(folder))
    return folder


def _queue(number: int, subject: str | None = None) -> MailMessage:
    message = queue_message(
        to=f"person{number}@dwp.gov.uk",
        subject=subject or f"Message {number}",
        body="Hello\n",
        kind="access_request.submitted",
    )
    db.session.commit()
    return message


def test_mail_send_sends_what_is_due_and_prints_the_counts(runner, mail_dir):
    for number in (1, 2, 3):
        _queue(number)
    result = runner.invoke(args=["mail", "send", "--limit", "2"])
    assert result.exit_code == 0, result.output
    assert result.output == "claimed 2, sent 2, to retry 0, failed 0\n"
    assert len(list(mail_dir.glob("*.eml"))) == 2
    result = runner.invoke(args=["mail", "send"])
    assert result.output == "claimed 1, sent 1, to retry 0, failed 0\n"
    assert runner.invoke(args=["mail", "send"]).output == "claimed 0, sent 0, to retry 0, failed 0\n"


def test_mail_send_reports_a_server_that_is_down_as_messages_to_retry(app, runner):
    with mail_server() as server:
        app.config.update(server.config)
        server.stop()
        _queue(1)
        result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 0, result.output
    assert result.output == "claimed 1, sent 0, to retry 1, failed 0\n"


def test_mail_list_shows_the_newest_first_with_errors_and_filters_by_status(app, runner, mail_dir):
    first, second = _queue(1, "Older"), _queue(2, "Newer")
    db.session.execute(
        update(MailMessage)
        .where(MailMessage.id == first.id)
        .values(
            status="failed",
            attempts=8,
            last_error="cannot connect: ConnectionRefusedError",
            created_at=utcnow() - timedelta(hours=1),
        )
    )
    db.session.commit()
    lines = runner.invoke(args=["mail", "list"]).output.splitlines()
    assert f"{second.id}  " in lines[0] and "pending" in lines[0] and "Newer" in lines[0]
    assert f"{first.id}  " in lines[1] and "failed" in lines[1] and "person1@dwp.gov.uk" in lines[1]
    assert lines[2] == "    last error: cannot connect: ConnectionRefusedError"

    failed = runner.invoke(args=["mail", "list", "--status", "failed"]).output
    assert "Older" in failed and "Newer" not in failed
    assert runner.invoke(args=["mail", "list", "--status", "sent"]).output == "No e-mail sent.\n"
    assert len(runner.invoke(args=["mail", "list", "--limit", "1"]).output.splitlines()) == 1


@pytest.mark.parametrize(
    "args",
    [
        ["list", "--status", "lost"],
        ["list", "--limit", "0"],
        ["send", "--limit", "0"],
        ["send", "--interval", "0"],
    ],
)
def test_bad_options_are_refused(runner, args):
    result = runner.invoke(args=["mail", *args])
    assert result.exit_code == 2 and "Invalid value" in result.output


def test_mail_send_loop_carries_on_after_a_database_error_and_gives_the_signals_back(runner, monkeypatch):
    calls: list[int] = []
    before = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)

    def flaky_send_pending(*, limit: int) -> dict[str, int]:
        calls.append(limit)
        if len(calls) == 1:
            raise OperationalError("UPDATE mail_messages", {}, Exception("server closed the connection"))
        os.kill(os.getpid(), signal.SIGTERM)  # caught by the loop's own handler, which stops it
        return {"claimed": 0, "sent": 0, "retrying": 0, "failed": 0}

    monkeypatch.setattr(mail_cli, "send_pending", flaky_send_pending)
    result = runner.invoke(args=["mail", "send", "--loop", "--interval", "0.01"])
    assert result.exit_code == 0, result.output
    assert calls == [100, 100] and result.output.endswith("Stopped sending e-mail.\n")
    assert (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)) == before


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_mail_send_loop_keeps_sending_until_a_signal_stops_it_cleanly(
    app, mail_dir, database_url, tmp_path, stop
):
    env = process_env(database_url, tmp_path / "index")
    env["MAIL_DIR"] = str(mail_dir)
    with start_flask_command(
        env, tmp_path / "sender.log", "mail", "send", "--loop", "--interval", "0.1"
    ) as sender:
        _wait_for(lambda: sender.lines_with("Sending e-mail every"), sender)
        first = _queue(1)
        _wait_for(lambda: list(mail_dir.glob(f"*-{first.id}.eml")), sender)
        # Still going: a message queued later goes too.
        second = _queue(2)
        _wait_for(lambda: list(mail_dir.glob(f"*-{second.id}.eml")), sender)
        sender.process.send_signal(stop)
        assert sender.process.wait(timeout=20) == 0, sender.log()
        assert sender.lines_with("Stopped sending e-mail."), sender.log()
        assert "Traceback" not in sender.log()


def _wait_for(condition, sender, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert sender.process.poll() is None, f"the sender exited:\n{sender.log()}"
        assert time.monotonic() < deadline, f"gave up waiting:\n{sender.log()}"
        time.sleep(0.05)
