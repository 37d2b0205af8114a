"""What production insists on before it starts, the Host names the service answers to, and whose
X-Forwarded-* headers it believes (issue 11: nothing about sign-in comes from a request)."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from flask import request

from marketplace import create_app
from marketplace.config import ENV_KEYS, TEST_SUITE_FLAG, ConfigError, load_config
from tests.helpers import api
from tests.production import production_environment, production_settings

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def clean_environment(monkeypatch):
    for name in ENV_KEYS:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_production_starts_with_everything_it_needs(clean_environment, tmp_path):
    app = create_app(production_settings(tmp_path))
    assert app.config["TRUSTED_HOSTS"] == ["data.example.gov.uk"]
    assert app.config["BASE_URL"] == "https://data.example.gov.uk"


def test_production_without_a_mail_server_says_its_mail_is_not_sent(clean_environment, tmp_path):
    # Production's log handler does not propagate to pytest's, so listen on the app's logger itself.
    heard: list[str] = []
    listener = logging.Handler()
    listener.emit = lambda record: heard.append(record.getMessage())
    logger = logging.getLogger("marketplace")
    logger.addHandler(listener)
    try:
        create_app(production_settings(tmp_path))
        assert any("MAIL_SERVER is not set" in line for line in heard)
        heard.clear()
        create_app(production_settings(tmp_path, MAIL_SERVER="smtp.example.gov.uk"))
        assert not any("MAIL_SERVER" in line for line in heard)
    finally:
        logger.removeHandler(listener)


@pytest.mark.parametrize(
    ("missing", "message"),
    [("OIDC_ISSUER", "OIDC_ISSUER must be set"), ("BASE_URL", "BASE_URL must be set")],
)
def test_production_refuses_to_start_without_an_issuer_or_base_url(
    clean_environment, tmp_path, missing, message
):
    with pytest.raises(ConfigError, match=message):
        create_app(production_settings(tmp_path, **{missing: ""}))


@pytest.mark.parametrize(
    "base_url",
    [
        "http://data.example.gov.uk",  # production's address is https
        "https://data.example.gov.uk/catalogue",  # a path
        "https://data.example.gov.uk/?x=1",
        "ftp://data.example.gov.uk",
        "data.example.gov.uk",
        "https://",
    ],
)
def test_production_refuses_a_base_url_that_is_not_an_https_origin(clean_environment, tmp_path, base_url):
    with pytest.raises(ConfigError, match="BASE_URL"):
        create_app(production_settings(tmp_path, BASE_URL=base_url))


def test_production_refuses_to_start_without_an_issuer_from_the_command_line(clean_environment, tmp_path):
    env = {**os.environ, **production_environment("https://data.example.gov.uk")}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'm.db'}"
    del env["OIDC_ISSUER"]
    result = subprocess.run(
        [sys.executable, "-c", "import wsgi"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert "OIDC_ISSUER must be set in production" in result.stderr


def test_the_test_environment_refuses_to_run_outside_the_test_suite(clean_environment, tmp_path):
    clean_environment.delenv(TEST_SUITE_FLAG)
    with pytest.raises(ConfigError, match="test suite only"):
        create_app({"MARKETPLACE_ENV": "test", "DATABASE_URL": f"sqlite:///{tmp_path / 'm.db'}"})


def test_the_test_environment_refuses_to_serve_from_the_command_line(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ENV_KEYS and k != TEST_SUITE_FLAG}
    env.update(MARKETPLACE_ENV="test", DATABASE_URL=f"sqlite:///{tmp_path / 'm.db'}")
    result = subprocess.run(
        [sys.executable, "-c", "import wsgi"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert "MARKETPLACE_ENV=test is for the test suite only" in result.stderr


def test_development_defaults_its_base_url_to_loopback_on_the_port(clean_environment, tmp_path):
    clean_environment.setenv("PORT", "5123")
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'm.db'}"}, instance_path=str(tmp_path / "i"))
    assert app.config["BASE_URL"] == "http://127.0.0.1:5123"
    assert app.config["TRUSTED_HOSTS"] == ["127.0.0.1", "localhost"]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PROXY_HOPS", -1),
        ("MAX_ACTIVE_TOKENS", 0),
        ("TOKEN_DEFAULT_EXPIRY_DAYS", 0),
        ("TOKEN_DEFAULT_EXPIRY_DAYS", 366),
    ],
)
def test_out_of_range_numbers_refuse_to_start(clean_environment, tmp_path, name, value):
    with pytest.raises(ConfigError, match=name):
        create_app(production_settings(tmp_path, **{name: value}))


# Host names and proxies, in production ----------------------------------------------------------


@pytest.fixture
def production_client(clean_environment, database_url, tmp_path):
    def make(**overrides):
        app = create_app(production_settings(tmp_path, DATABASE_URL=database_url, **overrides))
        # What the app believes the caller's address is (rate limits and logs key on it).
        app.add_url_rule("/test-remote-address", "remote_address", lambda: request.remote_addr or "")
        return app.test_client()

    return make


@pytest.mark.parametrize("path", ["/healthz", "/api/v1/datasets", "/datasets", "/login"])
def test_production_answers_an_unknown_host_with_400(production_client, path):
    client = production_client()
    response = client.get(path, headers={"Host": "attacker.example"})
    assert response.status_code == 400
    assert b"attacker.example" not in response.data


def test_production_links_name_only_its_own_host(production_client):
    client = production_client()
    body = api(
        client, "GET", "/api/v1/datasets", status=200, headers={"Host": "data.example.gov.uk"}
    ).get_json()
    assert body["links"]["self"].startswith("http://data.example.gov.uk/api/v1/datasets")


def test_forwarded_headers_are_ignored_without_a_proxy(production_client):
    client = production_client()
    body = api(
        client,
        "GET",
        "/api/v1/datasets",
        status=200,
        headers={"Host": "data.example.gov.uk", "X-Forwarded-Host": "attacker.example"},
    ).get_json()
    assert "attacker.example" not in body["links"]["self"]


def test_a_proxys_forwarded_host_is_believed_and_checked(production_client):
    client = production_client(PROXY_HOPS=1)
    forwarded = {"Host": "app:8000", "X-Forwarded-Host": "data.example.gov.uk", "X-Forwarded-Proto": "https"}
    body = api(client, "GET", "/api/v1/datasets", status=200, headers=forwarded).get_json()
    assert body["links"]["self"].startswith("https://data.example.gov.uk/")
    forged = {**forwarded, "X-Forwarded-Host": "attacker.example"}
    assert client.get("/api/v1/datasets", headers=forged).status_code == 400


def test_only_the_configured_number_of_proxies_is_believed(production_client):
    client = production_client(PROXY_HOPS=1)
    # The client's own X-Forwarded-For comes first; the one proxy appends the real address.
    response = client.get(
        "/test-remote-address",
        headers={"Host": "data.example.gov.uk", "X-Forwarded-For": "10.9.9.9, 203.0.113.7"},
        environ_base={"REMOTE_ADDR": "192.0.2.1"},
    )
    assert response.get_data(as_text=True) == "203.0.113.7"


def test_without_a_proxy_the_connection_address_is_the_callers(production_client):
    response = production_client().get(
        "/test-remote-address",
        headers={"Host": "data.example.gov.uk", "X-Forwarded-For": "10.9.9.9"},
        environ_base={"REMOTE_ADDR": "192.0.2.1"},
    )
    assert response.get_data(as_text=True) == "192.0.2.1"


def test_a_metrics_network_that_does_not_parse_refuses_to_start(tmp_path):
    networks = "127.0.0.0/8,10.0.0.0/33"
    with pytest.raises(ConfigError, match=r"METRICS_ALLOWED_NETWORKS: '10\.0\.0\.0/33'"):
        load_config(str(tmp_path), {"MARKETPLACE_ENV": "development", "METRICS_ALLOWED_NETWORKS": networks})
