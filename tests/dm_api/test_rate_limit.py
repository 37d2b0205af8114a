"""Over the rate limit, /dm/v1 answers 429 in the specification's error body, with Retry-After."""

from __future__ import annotations

import pytest

from marketplace import limits
from tests.conftest import make_app
from tests.dcat_uk.reference import validate_record


@pytest.fixture
def limited_client(database_url, tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "API_ANONYMOUS", "2 per minute")
    app = make_app(database_url, tmp_path, RATELIMIT_ENABLED=True)
    with app.app_context():
        yield app.test_client()


def test_over_the_limit_the_answer_is_429_in_the_error_body(limited_client):
    statuses = [limited_client.get("/dm/v1/cataloged-resources").status_code for _ in range(3)]
    assert statuses == [401, 401, 429]
    response = limited_client.get("/dm/v1/cataloged-resources")
    assert response.status_code == 429
    assert response.mimetype == "application/json"
    assert int(response.headers["Retry-After"]) > 0
    body = response.get_json()
    validate_record(body, "error_schema.json")
    assert body["code"] == "DM00029"
