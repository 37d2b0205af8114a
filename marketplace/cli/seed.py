from __future__ import annotations

import time

import click
from flask import current_app
from sqlalchemy import func, select

from marketplace.cli.errors import reports_errors
from marketplace.cli.search import bring_up_to_date
from marketplace.extensions import db
from marketplace.models import Dataset, Organisation
from marketplace.seeding.access_requests import load_access_requests
from marketplace.seeding.load import load_seed, load_test_users
from marketplace.seeding.sample_links import check_sample_links
from marketplace.seeding.synthetic import add_synthetic
from marketplace.services.metadata_quality import recompute_all


@click.command("seed")
@click.option(
    "--synthetic",
    "synthetic",
    type=click.IntRange(1, 1_000_000),
    default=None,
    help="Also add N generated entries (deterministic), for load tests.",
)
@click.option("--if-empty", is_flag=True, help="Do nothing if the catalogue already has entries.")
@reports_errors
def seed_command(synthetic: int | None, if_empty: bool) -> None:
    """Load the seed catalogue (idempotent); optionally add synthetic entries."""
    if if_empty and db.session.scalar(select(func.count()).select_from(Dataset)):
        click.echo("The catalogue already has entries: not seeding.")
        # Entries stored before metadata quality was computed get their scores now.
        if scored := recompute_all(missing_only=True):
            click.echo(f"Computed the metadata quality of {scored} entries that had none.")
        return
    started = time.perf_counter()
    report = load_seed()
    click.echo(
        f"Organisations: {report.organisations_created} created, {report.organisations_updated} updated. "
        f"Entries: {report.datasets_created} created, {report.datasets_skipped} already present."
    )
    if current_app.config["MARKETPLACE_DEV_IDP"]:
        count = load_test_users()
        click.echo(f"Test users for the embedded sign-in provider: {count} (see seed/users.json).")
        requests = load_access_requests()
        click.echo(f"Data share requests by those users: {requests} created (see seed/access_requests.json).")
    # Before any synthetic entries: rescoring the checked entries need not wait on them.
    links = check_sample_links(current_app._get_current_object())
    broken = ", ".join(f"{kind}: {count}" for kind, count in sorted(links.broken.items()))
    click.echo(
        f"Links to the service's own /samples/ checked: {links.ok} ok, {links.checked - links.ok} broken"
        + (f" ({broken})" if broken else "")
        + f"; {links.recomputed} entries rescored."
    )
    if synthetic:
        organisations = list(db.session.scalars(select(Organisation.slug).order_by(Organisation.slug)))
        added = add_synthetic(synthetic, organisations)
        click.echo(f"Synthetic entries: {added} created.")
    bring_up_to_date()
    click.echo(f"Done in {time.perf_counter() - started:.1f}s.")
