"""/dm/v1 when the database is too slow to answer: a 503 in the Metadata API's own error shape,
with Retry-After and no trace, never a 500 (its own error handler runs before the app's)."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy.engine import make_url

from marketplace.extensions import db
from tests.conftest import make_app

RESOURCES = "/dm/v1/cataloged-resources"


def test_a_statement_cancelled_by_the_timeout_gets_503_in_the_metadata_apis_shape(
    token, database_url, database_kind, tmp_path
):
    if database_kind != "postgresql":
        pytest.skip("statement timeouts are PostgreSQL's (run with --db postgresql)")
    slow = make_app(database_url, tmp_path / "slow", DATABASE_STATEMENT_TIMEOUT_MS=300)
    headers = {"Authorization": f"Bearer {token}"}
    url = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        with psycopg.connect(url) as holder:
            # Another transaction holds the table the list reads: the app's query waits and is
            # cancelled by the statement timeout.
            holder.execute("LOCK TABLE datasets IN ACCESS EXCLUSIVE MODE")
            with slow.app_context():
                response = slow.test_client().get(RESOURCES, headers=headers)
            holder.rollback()
        with slow.app_context():
            again = slow.test_client().get(RESOURCES, headers=headers)
    finally:
        with slow.app_context():
            db.engine.dispose()
    text = response.get_data(as_text=True)
    assert response.status_code == 503, text
    assert response.headers["Retry-After"] == "5"
    assert "DM00098" in text and "Traceback" not in text and "QueryCanceled" not in text
    assert again.status_code == 200
