"""One harvest run, from reading the source to the last record: what the CLI and the admin page
start. Reading comes first and whole, so that a source that fails changes nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from flask import current_app

from marketplace.extensions import db
from marketplace.harvest.ckan import read_ckan, read_ckan_dump
from marketplace.harvest.client import SourceClient, SourceError
from marketplace.harvest.mapping import entry_for
from marketplace.harvest.records import Record
from marketplace.models.harvest import HarvestRun, HarvestSource
from marketplace.services.harvesting import apply_records, fail_run, start_run

Progress = Callable[[Iterable[Record]], Iterable[Record]]


def client_from_config() -> SourceClient:
    config = current_app.config
    return SourceClient(
        base_url=config["BASE_URL"],
        timeout=config["HARVEST_TIMEOUT"],
        retries=config["HARVEST_RETRIES"],
        backoff_ms=config["HARVEST_BACKOFF_MS"],
    )


def read_source(source: HarvestSource, client: SourceClient) -> list[Record]:
    max_pages = current_app.config["HARVEST_MAX_PAGES"]
    if source.type == "ckan":
        return read_ckan(client, source.url, max_pages=max_pages)
    if source.type == "dcat":
        from marketplace.harvest.dcat import read_dcat

        return read_dcat(client, source.url, max_pages=max_pages)
    raise SourceError(f"A {source.type} source is read from its file: use harvest import-ckan.")


def run_source(
    source: HarvestSource,
    *,
    overwrite: bool = False,
    progress: Progress | None = None,
    client: SourceClient | None = None,
) -> HarvestRun:
    """Read `source` over HTTP and bring its records in."""
    run = start_run(source)
    try:
        records = read_source(source, client or client_from_config())
    except SourceError as error:
        return fail_run(run, str(error))
    return _apply(run, records, overwrite, progress)


def run_dump(
    source: HarvestSource,
    lines: Iterable[str],
    name: str,
    *,
    overwrite: bool = False,
    progress: Progress | None = None,
) -> HarvestRun:
    """Bring in the packages of a `ckanapi dump datasets` file."""
    run = start_run(source)
    try:
        records = read_ckan_dump(lines, name)
    except SourceError as error:
        return fail_run(run, str(error))
    return _apply(run, records, overwrite, progress)


def _apply(run: HarvestRun, records: list[Record], overwrite: bool, progress: Progress | None) -> HarvestRun:
    kind = "dcat" if run.source.type == "dcat" else "ckan"

    def to_entry(record: Record) -> dict[str, Any]:
        return entry_for(kind, record)

    try:
        return apply_records(run, records, to_entry, overwrite=overwrite, progress=progress or (lambda r: r))
    except Exception as error:
        # Not left "running" for ever: what was done stays done, and the run says where it stopped.
        db.session.rollback()
        fail_run(run, f"Stopped part way by an error: {type(error).__name__}: {error}")
        raise
