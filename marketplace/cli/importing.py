"""Bulk import from CSV, ``import csv FILE --org SLUG``, the lossless export and restore of the
whole catalogue, ``export jsonl FILE`` and ``import jsonl FILE``, and the export of its entries as
DCAT-UK records, ``export dcat-uk FILE``."""

from __future__ import annotations

import json
from pathlib import Path

import click

from marketplace.cli.errors import reports_errors
from marketplace.cli.search import bring_up_to_date
from marketplace.dcat_uk.record import record_from_entry
from marketplace.rules.actors import Actor
from marketplace.services.export import entries_to_export, export_jsonl
from marketplace.services.importing import check_rows, decode_csv, import_rows, parse_csv
from marketplace.services.organisations import find_organisation
from marketplace.services.restore import RestoreRejectedError, restore_export

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


@import_group.command("jsonl")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Only check the file and report; write nothing.")
@reports_errors
def import_jsonl(file: Path, dry_run: bool) -> None:
    """Restore every organisation and entry of FILE (made by `export jsonl`): all or none.

    Entries whose id or slug this catalogue already has are refused, never overwritten."""
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise click.ClickException(f"{file} is not UTF-8 text (byte {error.start + 1}).") from error
    try:
        plan = restore_export(CLI_ACTOR, text, dry_run=dry_run)
    except RestoreRejectedError as error:
        for line in error.plan.lines():
            click.echo(line)
        raise click.ClickException(error.detail) from error
    if dry_run:
        click.echo(f"All {len(plan.entries)} entries are ready to import (dry run: nothing written).")
        return
    bring_up_to_date()  # builds the index when there is none yet (a new instance)
    created = len(plan.organisations) - len(plan.reused_organisations)
    reused = (
        f" ({', '.join(plan.reused_organisations)} were here already)" if plan.reused_organisations else ""
    )
    click.echo(f"Imported {len(plan.entries)} entries and {created} organisations from {file}{reused}.")


@click.group("export", help="Export the catalogue.")
def export_group() -> None:
    pass


@export_group.command("jsonl")
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@reports_errors
def export_jsonl_command(file: Path) -> None:
    """Write every organisation and entry (deleted ones too) to FILE, one JSON object a line, as
    `import jsonl` restores them."""
    with file.open("w", encoding="utf-8", newline="\n") as out:
        count = export_jsonl(CLI_ACTOR, out)
    click.echo(f"Exported {count} entries to {file}.")


@export_group.command("dcat-uk")
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@click.option("--include-drafts", is_flag=True, help="Export drafts too.")
@reports_errors
def export_dcat_uk_command(file: Path, include_drafts: bool) -> None:
    """Write every published and withdrawn entry (and draft, with --include-drafts) to FILE as a JSON
    array of DCAT-UK records, one a line, as the Data Marketplace's Metadata API answers them."""
    count = 0
    with file.open("w", encoding="utf-8", newline="\n") as out:
        out.write("[")
        for dataset in entries_to_export(CLI_ACTOR, include_drafts=include_drafts):
            record = json.dumps(record_from_entry(dataset), ensure_ascii=False, separators=(",", ":"))
            out.write(("," if count else "") + "\n" + record)
            count += 1
        out.write("\n]\n")
    click.echo(f"Exported {count} entries to {file} as DCAT-UK records.")
