from __future__ import annotations

import time

import click
from tqdm import tqdm

from marketplace.search import index_root, index_status, rebuild_index, sync_index

# Past this many pending changes a fresh build is faster than applying them one by one.
REBUILD_ABOVE = 5000


@click.group("search", help="Build and inspect the search index.")
def search_group() -> None:
    pass


def reindex() -> None:
    started = time.perf_counter()
    with tqdm(unit="entries", desc="Indexing", mininterval=1.0) as bar:

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        result = rebuild_index(index_root(), progress)
    elapsed = time.perf_counter() - started
    rate = result.applied / elapsed if elapsed else 0
    click.echo(
        f"Indexed {result.applied} entries in {elapsed:.1f}s ({rate:.0f} entries/s), "
        f"up to change {result.position}."
    )


def bring_up_to_date() -> None:
    status = index_status(index_root())
    if not status.available or status.pending > REBUILD_ABOVE:
        reindex()
        return
    # build_if_missing: a prune landing since the status check may leave the index behind its
    # horizon, which only a rebuild can mend.
    result = sync_index(index_root(), build_if_missing=True)
    click.echo(f"Applied {result.applied} changes; the index is at change {result.position}.")


@search_group.command("reindex")
def reindex_command() -> None:
    """Rebuild the index from the database into a new directory, then switch to it."""
    reindex()


@search_group.command("sync")
def sync_command() -> None:
    """Apply pending changes (builds the index if there is none)."""
    bring_up_to_date()


@search_group.command("status")
def status_command() -> None:
    """Show the index's size and how far it lags the database."""
    status = index_status(index_root())
    click.echo(f"index: {'available' if status.available else 'unavailable'} ({status.detail})")
    click.echo(f"entries indexed: {status.documents}")
    click.echo(f"applied up to change: {status.position}")
    oldest = f"{status.oldest_pending_seconds:.1f}s" if status.oldest_pending_seconds is not None else "-"
    click.echo(f"pending changes: {status.pending} (oldest {oldest})")
