"""``flask --app marketplace mail …``: send the mail outbox, and see what is in it."""

from __future__ import annotations

import logging
import signal
import threading

import click
from sqlalchemy.exc import SQLAlchemyError

from marketplace.extensions import db
from marketplace.models.mail import MAIL_STATUSES
from marketplace.rules.actors import Actor
from marketplace.services.mail import list_messages, send_pending

CLI_ACTOR = Actor.system("system:cli")
_STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
log = logging.getLogger(__name__)


@click.group("mail", help="Send the e-mail the service has queued, and list it.")
def mail_group() -> None:
    pass


@mail_group.command("send")
@click.option("--loop", is_flag=True, help="Keep sending until stopped (SIGTERM or Ctrl-C).")
@click.option(
    "--interval",
    type=click.FloatRange(min=0.01),
    default=5.0,
    show_default=True,
    help="Seconds between rounds with --loop.",
)
@click.option("--limit", type=click.IntRange(min=1), default=100, show_default=True, help="Messages a round.")
def send_command(loop: bool, interval: float, limit: int) -> None:
    """Send the messages that are due (once, or every INTERVAL seconds with --loop)."""
    if not loop:
        _echo_counts(send_pending(limit=limit))
        return
    stop = threading.Event()
    previous = {number: signal.signal(number, lambda *_: stop.set()) for number in _STOP_SIGNALS}
    try:
        click.echo(f"Sending e-mail every {interval:g}s until stopped.")
        while not stop.is_set():
            try:
                counts = send_pending(limit=limit)
            except SQLAlchemyError as error:
                # The database is away for a moment (a restart, a failover): try again next round.
                log.warning("Mail round failed: %s", type(error).__name__, exc_info=True)
                counts = {"claimed": 0}
            else:
                if counts["claimed"]:
                    _echo_counts(counts)
            db.session.remove()
            # A full round may have left more due: go again at once.
            if counts["claimed"] < limit:
                stop.wait(interval)
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
    click.echo("Stopped sending e-mail.")


def _echo_counts(counts: dict[str, int]) -> None:
    click.echo(
        f"claimed {counts['claimed']}, sent {counts['sent']}, "
        f"to retry {counts['retrying']}, failed {counts['failed']}"
    )


@mail_group.command("list")
@click.option("--status", type=click.Choice(MAIL_STATUSES), help="Only messages in this state.")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True, help="Newest this many.")
def list_command(status: str | None, limit: int) -> None:
    """The newest messages: id, when queued, status, tries, to, subject (and the last error)."""
    messages = list_messages(CLI_ACTOR, status=status, page=1, per_page=limit).items
    if not messages:
        click.echo("No e-mail" + (f" {status}." if status else "."))
    for message in messages:
        click.echo(
            f"{message.id}  {message.created_at:%Y-%m-%d %H:%M:%S}  {message.status:<7}  "
            f"{message.attempts}  {message.to_address}  {message.subject}"
        )
        if message.last_error and message.status != "sent":
            click.echo(f"    last error: {message.last_error}")
