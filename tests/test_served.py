"""The service over real HTTP: a `requests` client against a live server, and the production
start command (gunicorn serving wsgi:app) as the Dockerfile runs it."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.consistency.processes import PATIENCE_S
from tests.factories import create_dataset, create_organisation, create_token, create_user
from tests.production import production_environment

ROOT = Path(__file__).resolve().parent.parent


def test_a_publisher_creates_and_publishes_over_http_and_the_public_then_sees_it(live_server):
    organisation = create_organisation()
    user = create_user(email="ann@dft.gov.uk", organisation=organisation, roles=("publisher",))
    token = create_token(user=user)
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"

    created = session.post(
        f"{live_server}/api/v1/datasets",
        json={
            "title": "MOT test results by make and model",
            "publisher": "department-for-transport",
        },
        timeout=10,
    )
    assert created.status_code == 201, created.text
    assert created.headers["Location"].endswith("/api/v1/datasets/mot-test-results-by-make-and-model")

    missing = session.patch(created.headers["Location"], json={"status": "published"}, timeout=10)
    assert missing.status_code == 422
    assert missing.headers["Content-Type"] == "application/problem+json"
    assert {"description", "licence", "contact_point"} <= set(missing.json()["errors"])

    completed = session.patch(
        created.headers["Location"],
        headers={"If-Match": created.headers["ETag"]},
        json={
            "status": "published",
            "description": "Results of every MOT test in Great Britain.",
            "contact_point": {"name": "MOT data", "email": "mot.data@dvsa.gov.uk"},
            "access_rights": "OPEN",
            "security_classification": "OFFICIAL",
            "licence": "OGL-UK-3.0",
            "modified": "2025-06-01",
        },
        timeout=10,
    )
    assert completed.status_code == 200, completed.text

    public = requests.get(f"{live_server}/api/v1/datasets", timeout=10).json()
    assert [item["title"] for item in public["items"]] == ["MOT test results by make and model"]


def test_request_id_is_echoed_over_http(live_server):
    response = requests.get(f"{live_server}/healthz", headers={"X-Request-ID": "abc-123"}, timeout=10)
    assert response.headers["X-Request-ID"] == "abc-123"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _raw_headers(port: int, path: str, headers: dict[str, str]) -> list[tuple[str, str]]:
    """Every header line as sent (requests folds repeated headers into one)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.getheaders()
    finally:
        connection.close()


def test_gunicorn_serves_wsgi_app_in_production_mode(app, database_url, tmp_path):
    organisation = create_organisation()
    create_dataset(organisation=organisation, title="Bathing water quality")
    port = _free_port()
    env = {
        **os.environ,
        **production_environment(f"http://127.0.0.1:{port}"),
        "DATABASE_URL": database_url,
        "SEARCH_INDEX_DIR": str(tmp_path / "index"),
    }
    gunicorn = Path(sys.executable).parent / "gunicorn"
    process = subprocess.Popen(
        [str(gunicorn), "--bind", f"127.0.0.1:{port}", "--workers", "2", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + PATIENCE_S
        while True:
            try:
                ready = requests.get(f"http://127.0.0.1:{port}/readyz", timeout=10)
                break
            except (requests.ConnectionError, requests.Timeout):
                assert process.poll() is None, process.stdout.read().decode()
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        assert ready.status_code == 200, ready.text
        assert ready.json()["checks"]["database"] == "ok" and ready.json()["checks"]["migrations"] == "ok"
        listed = requests.get(f"http://127.0.0.1:{port}/api/v1/datasets", timeout=5).json()
        assert [item["title"] for item in listed["items"]] == ["Bathing water quality"]
        for path in ("/healthz", "/datasets", "/api/v1/datasets"):
            headers = _raw_headers(port, path, {"Accept-Encoding": "gzip"})
            assert [name for name, _ in headers if name.lower() == "date"] == ["Date"], (path, headers)
        # requests asks for gzip (and zstd, br when installed): the body arrives compressed and
        # reads the same.
        page = requests.get(f"http://127.0.0.1:{port}/datasets", timeout=5)
        assert page.headers["Content-Encoding"] in {"gzip", "br", "zstd"}
        assert "Bathing water quality" in page.text
    finally:
        process.terminate()
        try:
            process.communicate(timeout=PATIENCE_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()


def test_production_refuses_to_start_with_the_default_secret(database_url):
    env = {**os.environ, "MARKETPLACE_ENV": "production", "DATABASE_URL": database_url}
    env.pop("SECRET_KEY", None)
    result = subprocess.run(
        [sys.executable, "-c", "import wsgi"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr
