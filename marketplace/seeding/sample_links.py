"""Check the seed's links to the service's own /samples/ files with the real link checker, so the
seeded scores and "fix this link" advice come from real answers.

`flask seed` runs before the server starts (`make run` seeds, then serves), so nothing listens
at BASE_URL while it runs. The links are therefore answered in this process: a requests
transport adapter, mounted for BASE_URL/samples/ only, hands each request to the app itself
(its WSGI callable). Everything else is the link checker as it always runs (HEAD, GET where HEAD
is refused, redirects, the outcome stored per URL, the scores recomputed), and the answers are
the app's own: its routing, its HEAD handling, its 404 for a file that is not there.

Not chosen: a throwaway server on loopback. It would have to listen on BASE_URL's own port,
which is taken when a server already runs (or by another test worker), and the checker refuses
loopback addresses (its guard against server-side request forgery), which the seed would have
had to loosen. The adapter needs neither, and works whatever BASE_URL is.
"""

from __future__ import annotations

from flask import Flask
from sqlalchemy import or_, select

from marketplace.extensions import db
from marketplace.models import Dataset, Distribution
from marketplace.samples.in_process import own_sample_adapters, samples_prefix
from marketplace.services.link_checks import LinkCheckSummary, check_urls
from marketplace.services.metadata_quality import recompute_all


def check_sample_links(app: Flask) -> LinkCheckSummary:
    """Check every link of a live entry under BASE_URL/samples/ (answered in process), store each
    outcome, and recompute the scores of those entries."""
    prefix = samples_prefix(app)
    under = {"autoescape": True}
    files = db.session.execute(
        select(Distribution.dataset_id, Distribution.access_url, Distribution.download_url)
        .join(Dataset, Distribution.dataset_id == Dataset.id)
        .where(
            Dataset.deleted_at.is_(None),
            or_(
                Distribution.access_url.startswith(prefix, **under),
                Distribution.download_url.startswith(prefix, **under),
            ),
        )
    )
    services = db.session.execute(
        select(Dataset.id, Dataset.endpoint_url).where(
            Dataset.deleted_at.is_(None), Dataset.endpoint_url.startswith(prefix, **under)
        )
    )
    urls: set[str] = set()
    entries = set()
    for dataset_id, *links in [*files, *services]:
        entries.add(dataset_id)
        urls.update(url for url in links if url and url.startswith(prefix))
    # One request at a time: the app answers in microseconds, and one worker keeps its requests
    # out of the way of the seed's own database writes.
    summary = check_urls(sorted(urls), concurrency=1, adapters=own_sample_adapters(app))
    summary.recomputed = recompute_all(dataset_ids=entries) if entries else 0
    return summary
