"""``flask --app marketplace alerts send``: queue the saved searches' alert digests."""

from __future__ import annotations

import logging
import signal
import threading

import click
from sqlalchemy.exc import SQLAlchemyError

from marketplace.extensions import db
from marketplace.services.alerts import send_due_alerts

_STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
log = logging.getLogger(__name__)


@click.group("alerts", help="Saved-search alerts: the daily and weekly digests.")
def alerts_group() -> None:
    pass


def _echo(counts: dict[str, int]) -> None:
    click.echo(
        f"{counts['due']} due, {counts['queued']} digests queued, {counts['nothing_new']} with nothing new."
    )


@alerts_group.command("send")
@click.option("--loop", is_flag=True, help="Keep checking until stopped (SIGTERM or Ctrl-C).")
@click.option(
    "--interval",
    type=click.FloatRange(min=1),
    default=300.0,
    show_default=True,
    help="Seconds between rounds with --loop.",
)
def send_command(loop: bool, interval: float) -> None:
    """Queue a digest in the mail outbox for each saved search whose alert is due.

    `flask mail send` delivers them. Safe to run on several hosts at once."""
    if not loop:
        _echo(send_due_alerts())
        return
    stop = threading.Event()
    previous = {number: signal.signal(number, lambda *_: stop.set()) for number in _STOP_SIGNALS}
    try:
        click.echo(f"Checking saved-search alerts every {interval:g}s until stopped.")
        while not stop.is_set():
            try:
                counts = send_due_alerts()
            except SQLAlchemyError as error:
                # The database is away for a moment: try again next round.
                log.warning("Alerts round failed: %s", type(error).__name__, exc_info=True)
            else:
                if counts["due"]:
                    _echo(counts)
            db.session.remove()
            stop.wait(interval)
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
