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

import io
from typing import Any
from urllib.parse import urlsplit

from flask import Flask
from requests import PreparedRequest, Response
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers
from sqlalchemy import or_, select
from urllib3 import HTTPResponse
from werkzeug.test import EnvironBuilder, run_wsgi_app

from marketplace.extensions import db
from marketplace.models import Dataset, Distribution
from marketplace.samples import SAMPLES_PATH
from marketplace.services.link_checks import LinkCheckSummary, check_urls
from marketplace.services.metadata_quality import recompute_all


class InProcessAdapter(BaseAdapter):
    """A requests transport that answers by calling a WSGI app in this process (no socket)."""

    def __init__(self, app: Flask) -> None:
        super().__init__()
        self.app = app

    def send(
        self,
        request: PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: Any = True,
        cert: Any = None,
        proxies: Any = None,
    ) -> Response:
        url = urlsplit(request.url or "")
        builder = EnvironBuilder(
            path=url.path,
            query_string=url.query,
            base_url=f"{url.scheme}://{url.netloc}",
            method=request.method,
            headers=list(request.headers.items()),
            data=request.body or b"",
            environ_base={"REMOTE_ADDR": "127.0.0.1"},
        )
        try:
            environ = builder.get_environ()
        finally:
            builder.close()
        body, status, headers = run_wsgi_app(self.app, environ, buffered=True)
        code, _, reason = status.partition(" ")
        response = Response()
        response.status_code = int(code)
        response.reason = reason
        response.headers = CaseInsensitiveDict(headers.items())
        response.encoding = get_encoding_from_headers(response.headers)
        # The checker reads the first bytes of a GET's body from `raw`, as from a socket.
        response.raw = HTTPResponse(
            body=io.BytesIO(b"".join(body)),
            headers=list(headers.items()),
            status=int(code),
            reason=reason,
            request_method=request.method,  # so an answer to HEAD is known to have no body
            preload_content=False,
            decode_content=False,
        )
        response.url = request.url or ""
        response.request = request
        return response

    def close(self) -> None:
        pass


def check_sample_links(app: Flask) -> LinkCheckSummary:
    """Check every link of a live entry under BASE_URL/samples/ (answered in process), store each
    outcome, and recompute the scores of those entries."""
    prefix = app.config["BASE_URL"] + SAMPLES_PATH
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
    summary = check_urls(sorted(urls), concurrency=1, adapters={prefix: InProcessAdapter(app)})
    summary.recomputed = recompute_all(dataset_ids=entries) if entries else 0
    return summary
