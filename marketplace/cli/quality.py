"""Quality commands: ``quality check-links`` (reachability of every URL) and ``quality recompute``."""

from __future__ import annotations

from datetime import timedelta

import click
from flask import current_app
from tqdm import tqdm

from marketplace.cli.errors import reports_errors
from marketplace.samples.in_process import own_sample_adapters
from marketplace.services.link_checks import (
    DEFAULT_CONCURRENCY,
    DEFAULT_PER_HOST,
    DEFAULT_TIMEOUT,
    LinkCheckSummary,
    check_links,
)
from marketplace.services.metadata_quality import recompute_all
from marketplace.services.organisations import find_organisation
from marketplace.services.outbound import AddressPolicy


@click.group("quality", help="Check links and recompute the metadata quality scores.")
def quality_group() -> None:
    pass


org_option = click.option(
    "--org", "organisation_slug", help="Only the entries of this organisation (its slug)."
)


@quality_group.command("check-links")
@org_option
@click.option(
    "--older-than",
    "older_than_hours",
    type=click.FloatRange(min=0),
    help="Only URLs never checked or last checked more than HOURS ago.",
    metavar="HOURS",
)
@click.option(
    "--concurrency",
    type=click.IntRange(1, 64),
    default=DEFAULT_CONCURRENCY,
    show_default=True,
    help="Requests in flight at once.",
)
@click.option(
    "--per-host",
    type=click.IntRange(1, 16),
    default=DEFAULT_PER_HOST,
    show_default=True,
    help="Requests in flight to any one host at once.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.1, max=300),
    default=DEFAULT_TIMEOUT,
    show_default=True,
    help="Seconds to wait to connect, and for each read.",
    metavar="SECONDS",
)
@reports_errors
def check_links_command(
    organisation_slug: str | None,
    older_than_hours: float | None,
    concurrency: int,
    per_host: int,
    timeout: float,
) -> None:
    """Check every access, download and endpoint URL (HEAD, else GET), store each outcome, and
    recompute the scores that depend on them. Only public addresses are asked, unless
    LINK_CHECK_ALLOW_PRIVATE_ADDRESSES is set."""
    organisation = find_organisation(organisation_slug) if organisation_slug else None
    with tqdm(unit="links", desc="Checking", mininterval=1.0) as bar:

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        summary = check_links(
            organisation_id=organisation.id if organisation else None,
            older_than=timedelta(hours=older_than_hours) if older_than_hours is not None else None,
            concurrency=concurrency,
            per_host=per_host,
            timeout=timeout,
            progress=progress,
            address_policy=AddressPolicy(
                allow_private=current_app.config["LINK_CHECK_ALLOW_PRIVATE_ADDRESSES"]
            ),
            # The service's own sample files are asked of this app, not over the network.
            adapters=own_sample_adapters(current_app._get_current_object()),
        )
    for line in summary_lines(summary):
        click.echo(line)


def summary_lines(summary: LinkCheckSummary) -> list[str]:
    broken = summary.checked - summary.ok
    lines = [
        f"Checked {summary.checked} links in {summary.elapsed_seconds:.1f}s "
        f"({summary.rate:.1f} links/s): {summary.ok} ok, {broken} broken."
    ]
    lines.extend(f"  {kind}: {count}" for kind, count in sorted(summary.broken.items()))
    if summary.skipped:
        lines.append(f"Skipped {summary.skipped} links checked recently.")
    lines.append(f"Recomputed the metadata quality of {summary.recomputed} entries.")
    return lines


@quality_group.command("recompute")
@org_option
@reports_errors
def recompute_command(organisation_slug: str | None) -> None:
    """Recompute and store every entry's metadata quality (after a change to the rules)."""
    organisation = find_organisation(organisation_slug) if organisation_slug else None
    count = recompute_all(organisation_id=organisation.id if organisation else None)
    click.echo(f"Recomputed the metadata quality of {count} entries.")
