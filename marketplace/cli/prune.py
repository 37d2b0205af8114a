"""`flask --app marketplace prune` (placeholder: issue 17 fills this in)."""

from __future__ import annotations

import click


@click.command("prune")
def prune_command() -> None:
    """Delete what has expired."""
