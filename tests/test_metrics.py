"""/metrics: Prometheus's counts from every gunicorn worker, shown only to operators."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.models import MailMessage, OutboxEntry
from tests.consistency.processes import PATIENCE_S
from tests.factories import create_dataset, create_organisation
from tests.production import production_environment
from tests.test_served import ROOT, _free_port

TOKEN = "metrics-token-for-the-test-0123456789"
REQUEST_SECONDS = "marketplace_http_request_duration_seconds"


def _sample(text: str, name: str, **labels: str) -> float | None:
    """The value of one sample in Prometheus's text format, or None if it is not there."""
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        match = re.match(r"^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$", line)
        if not match or match.group(1) != name:
            continue
        found = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', match.group(2) or ""))
        if all(found.get(key) == value for key, value in labels.items()):
            return float(match.group(3))
    return None


def _queue_mail(count: int) -> None:
    for number in range(count):
        db.session.add(
            MailMessage(
                message_id=f"<metrics-{number}@example.gov.uk>",
                to_address="someone@example.gov.uk",
                subject="A message",
                body_text="Hello",
                kind="test.metrics",
            )
        )
    db.session.add(
        MailMessage(
            message_id="<metrics-sent@example.gov.uk>",
            to_address="someone@example.gov.uk",
            subject="Sent already",
            body_text="Hello",
            kind="test.metrics",
            status="sent",
        )
    )
    db.session.commit()


@pytest.fixture(scope="module")
def served(database_url, tmp_path_factory):
    """wsgi:app under gunicorn.conf.py with 2 workers on loopback; loopback is not an allowed
    network here, so only the token opens /metrics. Yields (base URL, multiprocess directory).
    One server for the module: each test looks at labels of its own."""
    tmp_path = tmp_path_factory.mktemp("gunicorn")
    port = _free_port()
    multiproc = tmp_path / "prometheus"
    env = {
        **os.environ,
        **production_environment(f"http://127.0.0.1:{port}"),
        "DATABASE_URL": database_url,
        "SEARCH_INDEX_DIR": str(tmp_path / "index"),
        "METRICS_TOKEN": TOKEN,
        "METRICS_ALLOWED_NETWORKS": "192.0.2.0/24",
        "PROMETHEUS_MULTIPROC_DIR": str(multiproc),
    }
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "-c",
        "gunicorn.conf.py",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "2",
        "wsgi:app",
    ]
    log_file = (tmp_path / "gunicorn.log").open("wb")
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + PATIENCE_S
        while True:
            try:
                requests.get(f"{base}/healthz", timeout=10)
                break
            except (requests.ConnectionError, requests.Timeout):
                assert process.poll() is None, (tmp_path / "gunicorn.log").read_text()
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        yield base, multiproc
    finally:
        process.terminate()
        process.wait(timeout=30)
        log_file.close()


@pytest.fixture
def gunicorn(app, served):
    """The server, with the test's database emptied after it (the `app` fixture)."""
    return served


def _scrape(base: str) -> str:
    response = requests.get(f"{base}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
    assert response.status_code == 200, response.text
    return response.text


def test_one_scrape_sums_the_requests_counted_by_both_workers(gunicorn):
    base, multiproc = gunicorn
    sent = 0
    deadline = time.monotonic() + PATIENCE_S
    # A new connection each time, so either worker may accept it; go on until both have counted.
    while len(list(multiproc.glob("histogram_*.db"))) < 2 or sent < 20:
        assert time.monotonic() < deadline, "the second worker never answered"
        assert requests.get(f"{base}/datasets/no-such-entry", timeout=10).status_code == 404
        sent += 1
    text = _scrape(base)
    # The 404 had no URL rule: the raw path never becomes a label.
    assert "no-such-entry" not in text
    counted = _sample(text, f"{REQUEST_SECONDS}_count", route="/datasets/<slug>", method="GET", status="4xx")
    assert counted == sent


def test_the_latency_histogram_is_labelled_by_url_rule_not_path(gunicorn):
    base, _ = gunicorn
    organisation = create_organisation()
    dataset = create_dataset(organisation=organisation, title="Road traffic counts")
    assert requests.get(f"{base}/datasets/{dataset.slug}", timeout=10).status_code == 200
    text = _scrape(base)
    assert _sample(text, f"{REQUEST_SECONDS}_count", route="/datasets/<slug>", status="2xx") == 1
    assert dataset.slug not in text


def test_metrics_are_hidden_without_the_token_or_an_allowed_address(gunicorn):
    base, _ = gunicorn
    for headers in ({}, {"Authorization": "Bearer wrong-token"}, {"Authorization": TOKEN}):
        response = requests.get(f"{base}/metrics", headers=headers, timeout=10)
        assert response.status_code == 404, headers
        assert "marketplace_" not in response.text


def test_the_mail_and_search_outbox_gauges_reflect_the_database(gunicorn):
    base, _ = gunicorn
    organisation = create_organisation()
    create_dataset(organisation=organisation, title="Bathing water quality")
    _queue_mail(3)
    outbox = db.session.scalar(select(func.count()).select_from(OutboxEntry))
    assert outbox > 0
    text = _scrape(base)
    assert _sample(text, "marketplace_mail_outbox_pending") == 3
    # There is no index in this test, so nothing has been applied: every row is pending.
    assert _sample(text, "marketplace_search_outbox_pending") == outbox
    assert _sample(text, "marketplace_search_index_lag_seconds") >= 0
    assert _sample(text, "marketplace_database_scrape_ok") == 1


def test_loopback_may_scrape_by_default_and_other_addresses_get_404(client):
    assert client.get("/metrics").status_code == 200
    refused = client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert refused.status_code == 404


def test_metrics_are_not_in_the_openapi_document(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert not any("metrics" in path for path in spec["paths"])
