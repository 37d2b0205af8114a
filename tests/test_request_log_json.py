"""The request log: JSON lines on stdout in production, plain text in development."""

from __future__ import annotations

import json
import logging

import pytest
from flask import g
from sqlalchemy import event

from marketplace import create_app
from marketplace.extensions import db
from marketplace.request_log import current_user_id
from marketplace.rules.actors import Actor
from tests.factories import create_dataset, create_organisation, create_token, create_user
from tests.production import production_settings

BASE = "https://data.example.gov.uk"
EMAIL = "ann.jones@example.gov.uk"


@pytest.fixture
def restore_logging():
    """The production app points the "marketplace" logger at stdout; put the test's back."""
    logger = logging.getLogger("marketplace")
    handlers, propagate, level = list(logger.handlers), logger.propagate, logger.level
    yield
    logger.handlers[:] = handlers
    logger.propagate, logger.level = propagate, level


def _json_lines(text: str) -> list[dict]:
    lines = [line for line in text.splitlines() if line.strip()]
    return [json.loads(line) for line in lines]  # every line is one JSON object


def test_production_logs_each_request_as_one_json_line_with_the_user_id_and_route(
    app, database_url, tmp_path, capsys, restore_logging
):
    organisation = create_organisation()
    dataset = create_dataset(organisation=organisation, title="Road traffic counts")
    ann = create_user(email=EMAIL, organisation=organisation)
    token = create_token(user=ann)
    production = create_app(production_settings(tmp_path, BASE, DATABASE_URL=database_url))
    capsys.readouterr()
    client = production.test_client()
    response = client.get(
        f"/api/v1/datasets/{dataset.slug}",
        base_url=BASE,
        headers={"Authorization": f"Bearer {token}", "X-Request-ID": "trace-json-1"},
    )
    assert response.status_code == 200, response.text
    out = capsys.readouterr().out
    entries = _json_lines(out)
    access = [e for e in entries if e.get("request_id") == "trace-json-1" and "duration_ms" in e]
    assert len(access) == 1, out
    line = access[0]
    assert {"time", "level", "logger", "message", "request_id", "user_id"} <= set(line)
    assert line["user_id"] == str(ann.id)
    assert line["route"] == "/api/v1/datasets/<reference>"
    assert line["method"] == "GET" and line["status"] == 200
    assert isinstance(line["duration_ms"], int | float)
    assert line["level"] == "INFO" and line["logger"] == "marketplace.request"
    assert EMAIL not in out and "ann.jones" not in out and dataset.slug not in out


def test_an_anonymous_request_has_no_user_id_and_an_unknown_path_no_route(
    app, database_url, tmp_path, capsys, restore_logging
):
    production = create_app(production_settings(tmp_path, BASE, DATABASE_URL=database_url))
    capsys.readouterr()
    response = production.test_client().get("/no/such/page?email=someone@example.gov.uk", base_url=BASE)
    assert response.status_code == 404
    out = capsys.readouterr().out
    [line] = [e for e in _json_lines(out) if "duration_ms" in e]
    assert line["user_id"] is None and line["route"] == "-" and line["status"] == 404
    assert "someone@example.gov.uk" not in out and "/no/such/page" not in out


def test_development_keeps_plain_text_lines(tmp_path, database_url, capsys, restore_logging):
    development = create_app(
        {"MARKETPLACE_ENV": "development", "DATABASE_URL": database_url, "SECRET_KEY": "x" * 40},
        instance_path=str(tmp_path / "instance"),
    )
    capsys.readouterr()
    development.test_client().get("/healthz", headers={"X-Request-ID": "plain-1"})
    err = capsys.readouterr().err
    [line] = [line for line in err.splitlines() if "[plain-1]" in line]
    assert "INFO [plain-1] marketplace.request: GET /healthz 200" in line
    assert not line.startswith("{")


def test_the_user_id_is_logged_without_asking_the_database_again(app):
    # After a database error the request's objects are expired; with the database gone, reading
    # an attribute would raise inside the logging of the 503, which became a 500.
    user = create_user(email="ann@department-for-transport.gov.uk", organisation=create_organisation())
    user_id = str(user.id)
    statements: list[str] = []

    def record(*args) -> None:
        statements.append(args[2])

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        with app.test_request_context("/"):
            g.actor = Actor(user=user, via="token")
            db.session.expire_all()
            assert current_user_id() == user_id
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert statements == []
