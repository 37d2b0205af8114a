"""The database timeouts an operator sets reach every connection the app makes (see
test_database_outage.py for what they do to a request)."""

from __future__ import annotations

from pathlib import Path

import pytest

from marketplace.config import load_config

POSTGRES = "postgresql+psycopg://marketplace@db.internal/marketplace"


def engine_options(tmp_path: Path, database_url: str = POSTGRES) -> dict:
    config = load_config(str(tmp_path), {"MARKETPLACE_ENV": "test", "DATABASE_URL": database_url})
    return config["SQLALCHEMY_ENGINE_OPTIONS"]


def test_the_database_timeouts_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path):
    monkeypatch.setenv("DATABASE_CONNECT_TIMEOUT", "3")
    monkeypatch.setenv("DATABASE_STATEMENT_TIMEOUT_MS", "1500")
    options = engine_options(tmp_path)
    assert options["connect_args"] == {"connect_timeout": 3, "options": "-c statement_timeout=1500"}
    # Waiting for a pooled connection is bounded as making one is; dead ones are replaced first.
    assert options["pool_timeout"] == 3 and options["pool_pre_ping"] is True


def test_a_statement_timeout_of_zero_sets_none(monkeypatch: pytest.MonkeyPatch, tmp_path):
    monkeypatch.setenv("DATABASE_STATEMENT_TIMEOUT_MS", "0")
    assert "options" not in engine_options(tmp_path)["connect_args"]


def test_what_the_database_url_says_itself_is_kept(monkeypatch: pytest.MonkeyPatch, tmp_path):
    monkeypatch.delenv("DATABASE_CONNECT_TIMEOUT", raising=False)
    url = f"{POSTGRES}?connect_timeout=30&options=-csearch_path%3Dcatalogue"
    assert engine_options(tmp_path, url)["connect_args"] == {}


def test_sqlite_waits_for_other_writers(tmp_path):
    assert engine_options(tmp_path, f"sqlite:///{tmp_path / 'm.db'}") == {"connect_args": {"timeout": 15}}
