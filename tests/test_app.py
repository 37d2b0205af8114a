"""The application as a whole: operations endpoints, request ids in responses and logs, error
documents for paths and methods that do not exist or fail, and configuration refused at start-up."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from flask import Flask

from marketplace import create_app
from marketplace.config import ENV_KEYS, ConfigError
from marketplace.extensions import db
from marketplace.search import index_root, rebuild_index
from tests.helpers import api, assert_problem
from tests.production import production_settings

STRONG_SECRET = "3c5a0f6e9b2d4c7a8e1f0b3d6a9c2e5f7b4d1a8c"
REQUEST_ID = re.compile(r"^[0-9a-f]{32}$")


@pytest.fixture
def clean_environment(monkeypatch):
    """No configuration from the environment running the tests, and logging restored afterwards."""
    for name in ENV_KEYS:
        monkeypatch.delenv(name, raising=False)
    logger = logging.getLogger("marketplace")
    propagate, level = logger.propagate, logger.level
    yield monkeypatch
    logger.propagate = propagate
    logger.setLevel(level)


def production(tmp_path: Path, **config) -> Flask:
    """Production with everything it needs except SECRET_KEY, which these tests choose."""
    settings = production_settings(tmp_path)
    del settings["SECRET_KEY"]
    return create_app({**settings, **config})


# Operations ------------------------------------------------------------------------------------


def test_healthz_answers_while_the_process_is_up(client):
    assert api(client, "GET", "/healthz", status=200).get_json() == {"status": "ok"}


def test_readyz_reports_each_check_and_the_search_lag(client, app):
    body = api(client, "GET", "/readyz", status=200).get_json()
    assert body["checks"]["database"] == "ok" and body["checks"]["migrations"] == "ok"
    # No index built yet: still serving (from the database), but degraded, and it says why.
    assert body["status"] == "degraded" and body["checks"]["search"].startswith("unavailable")
    rebuild_index(index_root())
    body = api(client, "GET", "/readyz", status=200).get_json()
    assert body["status"] == "ok"
    assert body["search"] == {
        "available": True,
        "entries": 0,
        "pending_changes": 0,
        "oldest_pending_seconds": None,
    }


def test_readyz_is_503_on_a_database_the_migrations_have_not_built(new_database_url, tmp_path):
    broken = create_app(
        {
            "MARKETPLACE_ENV": "test",
            "DATABASE_URL": new_database_url(),
            "SEARCH_INDEX_DIR": str(tmp_path / "index"),
        }
    )
    try:
        response = api(broken.test_client(), "GET", "/readyz", status=503)
        assert response.get_json()["status"] == "unavailable"
        assert response.get_json()["checks"]["database"] != "ok"
    finally:
        with broken.app_context():
            db.engine.dispose()


# Request ids -----------------------------------------------------------------------------------


def test_a_safe_request_id_is_echoed(client):
    for request_id in ("abc-123", "7f1c9e2a.b:4_z", "x" * 128):
        response = api(client, "GET", "/healthz", status=200, headers={"X-Request-ID": request_id})
        assert response.headers["X-Request-ID"] == request_id


def test_a_fresh_request_id_is_made_when_none_is_given(client):
    first = api(client, "GET", "/healthz", status=200).headers["X-Request-ID"]
    second = api(client, "GET", "/api/v1/licences", status=200).headers["X-Request-ID"]
    assert REQUEST_ID.match(first) and REQUEST_ID.match(second) and first != second


@pytest.mark.parametrize(
    "unsafe",
    ["has spaces", "line\nbreak", "carriage\r\nX-Evil: 1", "tab\there", "<script>", "x" * 129, "naïve", ""],
)
def test_an_unsafe_request_id_is_replaced_by_a_fresh_one(client, unsafe):
    # Passed through the WSGI environment: the test client itself refuses newlines in headers.
    response = api(client, "GET", "/healthz", status=200, environ_overrides={"HTTP_X_REQUEST_ID": unsafe})
    assert REQUEST_ID.match(response.headers["X-Request-ID"])


def test_the_request_id_is_on_every_log_line_of_the_request(client, caplog):
    caplog.set_level(logging.INFO, logger="marketplace")
    api(client, "GET", "/api/v1/datasets", status=200, headers={"X-Request-ID": "trace-42"})
    records = [r for r in caplog.records if r.name.startswith("marketplace")]
    assert records, "the request was not logged"
    assert {r.request_id for r in records} == {"trace-42"}
    [handler] = [h for h in logging.getLogger("marketplace").handlers if getattr(h, "_marketplace", False)]
    line = handler.format(records[-1])
    assert "[trace-42]" in line and "GET /api/v1/datasets 200" in line


def test_log_lines_outside_a_request_have_a_placeholder_request_id(app, caplog):
    caplog.set_level(logging.INFO, logger="marketplace")
    logging.getLogger("marketplace.tests").warning("outside any request")
    [handler] = [h for h in logging.getLogger("marketplace").handlers if getattr(h, "_marketplace", False)]
    assert "[-] marketplace.tests: outside any request" in handler.format(caplog.records[-1])


# Errors ----------------------------------------------------------------------------------------


def test_an_unknown_path_is_a_404_problem(client):
    response = api(client, "GET", "/api/v1/no-such-thing", status=404)
    assert "/api/v1/no-such-thing" in assert_problem(response)["detail"]
    assert_problem(api(client, "GET", "/nowhere", status=404))


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("POST", "/healthz", {"GET", "HEAD", "OPTIONS"}),
        ("DELETE", "/api/v1/licences", {"GET", "HEAD", "OPTIONS"}),
        ("PUT", "/api/v1/datasets", {"GET", "HEAD", "OPTIONS", "POST"}),
        ("POST", "/api/v1/datasets/some-entry", {"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE"}),
    ],
)
def test_a_method_a_path_does_not_take_is_a_405_problem_with_allow(client, method, path, allowed):
    response = api(client, method, path, status=405)
    assert_problem(response)
    assert {m.strip() for m in response.headers["Allow"].split(",")} == allowed


def test_an_unexpected_error_is_a_500_problem_without_the_traceback(new_database_url, tmp_path, caplog):
    # A database the migrations never built: every query fails in a way no handler expects.
    broken = create_app(
        {
            "MARKETPLACE_ENV": "test",
            "DATABASE_URL": new_database_url(),
            "SEARCH_INDEX_DIR": str(tmp_path / "index"),
        }
    )
    try:
        client = broken.test_client()
        response = api(client, "GET", "/api/v1/datasets", status=500, headers={"X-Request-ID": "boom-1"})
        body = assert_problem(response)
        text = response.get_data(as_text=True)
        for leak in ("Traceback", "datasets", "SELECT", "sqlalchemy", "psycopg", "sqlite", 'File "'):
            assert leak not in text, leak
        assert body["title"] == "Internal server error"
        assert response.headers["X-Request-ID"] == "boom-1"
    finally:
        with broken.app_context():
            db.engine.dispose()
    [logged] = [r for r in caplog.records if r.name == "marketplace.errors"]
    assert logged.levelno == logging.ERROR and logged.exc_info is not None
    assert logged.request_id == "boom-1"


# Configuration ---------------------------------------------------------------------------------


@pytest.mark.parametrize("secret", [None, "", "dev-only-insecure-secret-key", "test-secret-key", "s" * 31])
def test_production_refuses_a_default_or_short_secret_key(clean_environment, tmp_path, secret):
    config = {} if secret is None else {"SECRET_KEY": secret}
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        production(tmp_path, **config)


def test_production_refuses_the_development_sign_in_provider(clean_environment, tmp_path):
    with pytest.raises(ConfigError, match="MARKETPLACE_DEV_IDP"):
        production(tmp_path, SECRET_KEY=STRONG_SECRET, MARKETPLACE_DEV_IDP=True)
    clean_environment.setenv("MARKETPLACE_DEV_IDP", "on")
    with pytest.raises(ConfigError, match="MARKETPLACE_DEV_IDP"):
        production(tmp_path, SECRET_KEY=STRONG_SECRET)


def test_production_refuses_a_short_secret_key_from_the_environment(clean_environment, tmp_path):
    clean_environment.setenv("SECRET_KEY", "changeme")
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        production(tmp_path)


def test_production_starts_with_a_strong_secret_and_the_development_provider_off(clean_environment, tmp_path):
    clean_environment.setenv("SECRET_KEY", STRONG_SECRET)
    app = production(tmp_path)
    assert app.config["SECRET_KEY"] == STRONG_SECRET
    assert app.config["MARKETPLACE_DEV_IDP"] is False and not app.testing


@pytest.mark.parametrize("value", ["maybe", "", "2", "enabled", "tru"])
def test_a_bad_boolean_in_the_environment_refuses_to_start(clean_environment, tmp_path, value):
    clean_environment.setenv("MARKETPLACE_DEV_IDP", value)
    with pytest.raises(ConfigError, match="MARKETPLACE_DEV_IDP"):
        create_app({"MARKETPLACE_ENV": "test", "DATABASE_URL": f"sqlite:///{tmp_path / 'm.db'}"})


@pytest.mark.parametrize(
    ("value", "expected"), [("off", False), ("0", False), ("No", False), (" TRUE ", True)]
)
def test_booleans_in_the_environment_are_read_in_their_usual_spellings(
    clean_environment, tmp_path, value, expected
):
    clean_environment.setenv("MARKETPLACE_DEV_IDP", value)
    app = create_app({"MARKETPLACE_ENV": "test", "DATABASE_URL": f"sqlite:///{tmp_path / 'm.db'}"})
    assert app.config["MARKETPLACE_DEV_IDP"] is expected


def test_an_unknown_environment_name_refuses_to_start(clean_environment, tmp_path):
    clean_environment.setenv("MARKETPLACE_ENV", "staging")
    with pytest.raises(ConfigError, match="MARKETPLACE_ENV"):
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'm.db'}"})
