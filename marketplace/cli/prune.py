"""`flask --app marketplace prune`: delete what has expired (services/pruning.py), from cron."""

from __future__ import annotations

import click

from marketplace.services.pruning import (
    DEFAULT_BATCH_SIZE,
    KIND_NAMES,
    MAX_BATCH_SIZE,
    Outcome,
    PruningError,
    prune,
)


@click.command("prune")
@click.option("--dry-run", is_flag=True, help="Count what would be deleted; delete nothing.")
@click.option(
    "--only",
    type=click.Choice(KIND_NAMES),
    multiple=True,
    help="Prune only this kind (repeat for several); all kinds if not given.",
)
@click.option(
    "--batch-size",
    type=click.IntRange(1, MAX_BATCH_SIZE),
    default=DEFAULT_BATCH_SIZE,
    show_default=True,
    help="Rows deleted in each short transaction.",
)
def prune_command(dry_run: bool, only: tuple[str, ...], batch_size: int) -> None:
    """Delete what has expired: ended sessions, spent token ids, expired idempotency keys and machine
    client tokens, old sent e-mail and old search outbox rows.

    Safe to run from cron on several hosts at once: each row is deleted once, in batches.
    """

    def report(outcome: Outcome) -> None:
        verb = "would be deleted" if dry_run else "deleted"
        line = f"{outcome.name}: {outcome.deleted} {verb} ({outcome.rule})"
        if outcome.horizon is not None:
            line += f"; pruned through change {outcome.horizon}"
        click.echo(line)

    try:
        prune(only=only, dry_run=dry_run, batch_size=batch_size, report=report)
    except PruningError as error:
        raise click.UsageError(str(error)) from error
