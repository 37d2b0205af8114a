"""``flask --app marketplace harvest …``: sources of entries in other catalogues, and runs."""

from __future__ import annotations

from pathlib import Path

import click
from tqdm import tqdm

from marketplace.cli.errors import reports_errors
from marketplace.harvest.run import run_dump, run_source
from marketplace.models.harvest import HarvestRun
from marketplace.models.types import utcnow
from marketplace.rules.actors import Actor
from marketplace.services.harvesting import add_source, due_sources, file_source, get_source, list_sources

CLI_ACTOR = Actor.system("system:cli")


@click.group("harvest", help="Bring entries in from CKAN and DCAT catalogues.")
def harvest_group() -> None:
    pass


@harvest_group.command("add")
@click.argument("name")
@click.option("--type", "source_type", required=True, type=click.Choice(["ckan", "dcat"]))
@click.option("--url", required=True, help="The catalogue: a CKAN site's address, or a DCAT catalogue page.")
@click.option("--org", "organisation", required=True, help="Slug of the organisation the entries belong to.")
@click.option("--every", "every_hours", type=int, help="Run every this many hours (by harvest run --due).")
@reports_errors
def add(name: str, source_type: str, url: str, organisation: str, every_hours: int | None) -> None:
    """Add a source called NAME."""
    source = add_source(
        CLI_ACTOR, name=name, type=source_type, url=url, organisation=organisation, every_hours=every_hours
    )
    click.echo(f"Added {source.name}: {source.type} at {source.url}, into {source.organisation.title}.")


@harvest_group.command("list")
@reports_errors
def list_command() -> None:
    """The sources and their last runs."""
    sources = list_sources(CLI_ACTOR)
    if not sources:
        click.echo("No harvest sources. Add one with: harvest add NAME --type ckan --url URL --org SLUG")
    for source in sources:
        last = source.runs[0] if source.runs else None
        every = f", every {source.every_hours} h" if source.every_hours else ""
        click.echo(f"{source.name}  {source.type}  {source.url}  -> {source.organisation.slug}{every}")
        click.echo(f"  last run: {_summary(last) if last else 'never'}")


@harvest_group.command("run")
@click.argument("name", required=False)
@click.option("--overwrite", is_flag=True, help="Replace entries edited here since they were harvested.")
@click.option("--due", is_flag=True, help="Only the sources whose --every hours have passed (for cron).")
@reports_errors
def run_command(name: str | None, overwrite: bool, due: bool) -> None:
    """Run source NAME, or every source (except imported files)."""
    if name and due:
        raise click.UsageError("Give a source's NAME or --due, not both.")
    if due:
        sources = due_sources(CLI_ACTOR, utcnow())
    else:
        sources = [get_source(CLI_ACTOR, name)] if name else list_sources(CLI_ACTOR)
    failed = False
    for source in sources:
        if source.type == "ckan-dump":
            continue
        click.echo(f"Harvesting {source.name} ({source.url})…")
        run = run_source(source, overwrite=overwrite, progress=_bar(source.name))
        failed |= _report(run)
    if failed:
        raise click.ClickException("A run failed: see above. Nothing was changed by a failed run.")


@harvest_group.command("import-ckan")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--org", "organisation", required=True, help="Slug of the organisation the entries belong to.")
@click.option("--overwrite", is_flag=True, help="Replace entries edited here since they were imported.")
@reports_errors
def import_ckan(file: Path, organisation: str, overwrite: bool) -> None:
    """Bring in FILE, made by `ckanapi dump datasets` (one package a line); a later dump of the
    same name updates and withdraws what this one brought in."""
    source = file_source(CLI_ACTOR, str(file), organisation)
    with file.open(encoding="utf-8", errors="replace") as lines:
        run = run_dump(source, lines, file.name, overwrite=overwrite, progress=_bar(file.name))
    if _report(run):
        raise click.ClickException("The import failed: see above. Nothing was changed.")


def _bar(label: str):
    return lambda records: tqdm(records, desc=label, unit="record", leave=False)


def _summary(run: HarvestRun) -> str:
    when = run.started_at.strftime("%Y-%m-%d %H:%M")
    if run.status == "failed":
        return f"{when} failed: {run.error}"
    counts = ", ".join(f"{count} {outcome}" for outcome, count in run.counts.items()) or "nothing"
    return f"{when} {run.status}: {run.records} records; {counts}"


def _report(run: HarvestRun) -> bool:
    """Echo the run and its problems; whether it failed."""
    click.echo(f"  {_summary(run)}")
    for problem in run.problems:
        click.echo(f"  {problem.outcome}: {problem.source_identifier} ({problem.title or 'untitled'})")
        for field, messages in problem.errors.items():
            for message in messages if isinstance(messages, list) else [messages]:
                click.echo(f"    {field}: {message}")
    return run.status == "failed"
