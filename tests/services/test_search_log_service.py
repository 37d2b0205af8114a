"""Recording searches (services/search_log.py): the fields kept, nothing personal, normalisation
and caps, the setting that turns it off, and a failure that must not break the search."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, select

from marketplace.extensions import db
from marketplace.models.search_log import QUERY_MAX_LENGTH, SearchLog
from marketplace.services import search_log
from marketplace.services.search_log import normalise_query, record_search
from tests.factories import create_organisation


def test_a_search_is_recorded_with_its_query_filters_count_source_and_organisation(app):
    dft = create_organisation()
    search_id = record_search(
        query="  road   casualties ",
        filters={"theme": ["transport"], "format": "CSV", "licence": ""},
        result_count=7,
        source="organisation",
        organisation_id=dft.id,
    )
    row = db.session.get(SearchLog, search_id)
    assert row.query == "road casualties"
    assert row.filters == {"theme": ["transport"], "format": ["CSV"]}
    assert row.result_count == 7
    assert row.source == "organisation"
    assert row.organisation_id == dft.id
    assert row.searched_at is not None


def test_the_search_log_has_no_column_for_a_user_ip_session_or_token(app):
    columns = {c["name"] for c in inspect(db.engine).get_columns("search_log")}
    assert columns == {"id", "query", "filters", "result_count", "source", "organisation_id", "searched_at"}


@pytest.mark.parametrize(
    ("typed", "kept"),
    [("  a\t\nb  ", "a b"), ("x" * 500, "x" * QUERY_MAX_LENGTH), (None, "")],
)
def test_queries_are_trimmed_collapsed_and_capped(typed, kept):
    assert normalise_query(typed) == kept


def test_an_empty_search_with_no_filters_is_not_recorded(app):
    assert record_search(query="   ", filters={}, result_count=3, source="page") is None
    assert db.session.scalars(select(SearchLog)).all() == []


def test_nothing_is_recorded_when_the_log_is_turned_off(app):
    app.config["SEARCH_LOG_ENABLED"] = False
    assert record_search(query="nhs", filters={}, result_count=1, source="page") is None
    assert db.session.scalars(select(SearchLog)).all() == []


def test_a_failure_to_record_is_logged_and_not_raised(app, monkeypatch, caplog):
    def broken_insert(**values):
        raise RuntimeError("database gone")

    monkeypatch.setattr(search_log, "_insert", broken_insert)
    assert record_search(query="nhs", filters={}, result_count=1, source="page") is None
    assert "Could not record a search" in caplog.text
