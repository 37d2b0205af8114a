"""/metrics in Prometheus's text format.

Under gunicorn each worker counts in its own process; with PROMETHEUS_MULTIPROC_DIR set (the
gunicorn.conf.py sets it) prometheus_client writes the counts to files there and a scrape of any
worker sums every worker's. Without it (development, tests' in-process apps) the process's own
registry answers.

The database-backed figures (search index lag, pending outbox and mail rows) are read when
scraped, by the worker that answers: a gauge kept per worker would be stale and summed wrongly.

Only operators may scrape: a request with `Authorization: Bearer <METRICS_TOKEN>` or from an
address in METRICS_ALLOWED_NETWORKS (default loopback). Anyone else gets the plain 404 of a
page that does not exist.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import time
from collections.abc import Iterator

from flask import Flask, Response, abort, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector

from marketplace.request_log import route_of

log = logging.getLogger(__name__)

DEFAULT_ALLOWED_NETWORKS = "127.0.0.0/8,::1/128"

REQUEST_SECONDS = Histogram(
    "marketplace_http_request_duration_seconds",
    "Time to answer a request, by URL rule (never the raw path), method and status class.",
    ["route", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
SEARCH_SECONDS = Histogram(
    "marketplace_search_duration_seconds",
    "Time the search index took to answer one search (services/finding.py).",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
RATE_LIMITED = Counter(
    "marketplace_rate_limited_total",
    "Requests refused with 429 by the rate limits (limits.py), by URL rule.",
    ["route"],
)


def init_app(app: Flask) -> None:
    """Register the metrics endpoint and the request hooks that feed it."""

    @app.before_request
    def start_timer() -> None:
        g.metrics_started = time.perf_counter()

    @app.after_request
    def observe(response: Response) -> Response:
        started = g.pop("metrics_started", None)
        if started is not None:
            route = route_of()
            status_class = f"{response.status_code // 100}xx"
            REQUEST_SECONDS.labels(route, request.method, status_class).observe(time.perf_counter() - started)
            # 429 comes only from the rate limits (Flask-Limiter's or the bearer-failure check).
            if response.status_code == 429:
                RATE_LIMITED.labels(route).inc()
        return response

    # On the app itself, not a blueprint: no rate limit names it, GET is never CSRF-checked, and
    # the OpenAPI document lists only /api/v1's blueprint.
    app.add_url_rule("/metrics", "metrics", scrape, methods=["GET"])


def allowed() -> bool:
    token = current_app.config.get("METRICS_TOKEN", "")
    scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
    if token and scheme.lower() == "bearer" and hmac.compare_digest(presented.strip(), token):
        return True
    networks = current_app.config.get("METRICS_ALLOWED_NETWORKS", DEFAULT_ALLOWED_NETWORKS)
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    for network in str(networks).split(","):
        if network.strip() and address in ipaddress.ip_network(network.strip(), strict=False):
            return True
    return False


def scrape() -> Response:
    if not allowed():
        abort(404)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        counted = CollectorRegistry()
        MultiProcessCollector(counted)
    else:
        counted = REGISTRY
    database = CollectorRegistry()
    database.register(DatabaseCollector())
    body = generate_latest(counted) + generate_latest(database)
    response = Response(body, content_type=CONTENT_TYPE_LATEST)
    response.headers["Cache-Control"] = "no-store"
    return response


class DatabaseCollector:
    """Figures read from the database when scraped. If it does not answer, they are left out and
    marketplace_database_scrape_ok says 0 (an alert on it beats a stale number)."""

    def collect(self) -> Iterator[Metric]:
        # Here, not at the top: the models and search modules import much of the app.
        from sqlalchemy import func, select

        from marketplace.extensions import db
        from marketplace.models import MailMessage
        from marketplace.search import index_root, index_status

        ok = GaugeMetricFamily("marketplace_database_scrape_ok", "1 if the figures below could be read.")
        try:
            status = index_status(index_root())
            mail = db.session.scalar(
                select(func.count()).select_from(MailMessage).where(MailMessage.status == "pending")
            )
            db.session.commit()
        except Exception as error:  # a scrape must still answer with the counters it has
            db.session.rollback()
            log.warning("metrics: database figures unavailable: %s", type(error).__name__)
            ok.add_metric([], 0)
            yield ok
            return
        ok.add_metric([], 1)
        yield ok
        yield GaugeMetricFamily(
            "marketplace_search_outbox_pending",
            "Changes in the search outbox the index has not applied yet.",
            value=status.pending,
        )
        yield GaugeMetricFamily(
            "marketplace_search_index_lag_seconds",
            "Age of the oldest change the index has not applied (0 when none).",
            value=status.oldest_pending_seconds or 0,
        )
        yield GaugeMetricFamily(
            "marketplace_search_index_available",
            "1 if the index answers searches.",
            value=int(status.available),
        )
        yield GaugeMetricFamily(
            "marketplace_mail_outbox_pending", "E-mail messages waiting to be sent.", value=mail or 0
        )
