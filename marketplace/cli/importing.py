"""Bulk import from CSV and the lossless export: ``import csv FILE --org SLUG`` and ``export jsonl FILE``."""

from __future__ import annotations

from pathlib import Path

import click

from marketplace.cli.errors import reports_errors
from marketplace.services.actors import Actor
from marketplace.services.importing import (
    check_rows,
    decode_csv,
    export_jsonl,
    import_rows,
    parse_csv,
)
from marketplace.services.organisations import find_organisation

CLI_ACTOR = Actor.system("system:cli")


@click.group("import", help="Import entries in bulk.")
def import_group() -> None:
    pass


@import_group.command("csv")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--org", "organisation_slug", required=True, help="Slug of the organisation publishing them.")
@click.option("--dry-run", is_flag=True, help="Only check the file and report; create nothing.")
@reports_errors
def import_csv(file: Path, organisation_slug: str, dry_run: bool) -> None:
    """Create an entry from each row of FILE (the /publish/import template's columns): all or none."""
    organisation = find_organisation(organisation_slug)
    rows = parse_csv(decode_csv(file.read_bytes()))
    report = check_rows(CLI_ACTOR, organisation, rows)
    for line in report.lines():
        click.echo(line)
    if not report.ok:
        raise click.ClickException(f"{report.summary}, so nothing was imported.")
    if dry_run:
        click.echo(
            f"All {report.rows} rows are ready to import for {organisation.title} (dry run: none created)."
        )
        return
    created = import_rows(CLI_ACTOR, organisation, rows)
    for row, dataset in zip(rows, created, strict=True):
        click.echo(f"Row {row.number}: created {dataset.slug} ({dataset.status})")
    click.echo(f"Created {len(created)} entries for {organisation.title}.")


@click.group("export", help="Export the catalogue.")
def export_group() -> None:
    pass


@export_group.command("jsonl")
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@reports_errors
def export_jsonl_command(file: Path) -> None:
    """Write every entry (all statuses, all organisations) to FILE, one JSON object a line, in the
    API's shape."""
    with file.open("w", encoding="utf-8", newline="\n") as out:
        count = export_jsonl(CLI_ACTOR, out)
    click.echo(f"Exported {count} entries to {file}.")
