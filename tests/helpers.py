"""Making API requests in tests and checking their status in one step."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse


def api(
    client: FlaskClient,
    method: str,
    path: str,
    *,
    status: int,
    token: str | None = None,
    headers: dict[str, str] | None = None,
    **kwargs: Any,
) -> TestResponse:
    """Make a request and assert its status, showing the body when it differs."""
    all_headers = dict(headers or {})
    if token:
        all_headers["Authorization"] = f"Bearer {token}"
    response = client.open(path, method=method, headers=all_headers, **kwargs)
    body = response.get_data(as_text=True)[:2000]
    got = response.status_code
    assert got == status, f"{method} {path}: expected {status}, got {got}: {body}"
    return response


def assert_problem(response: TestResponse, *fields: str) -> dict[str, Any]:
    """The response is problem+json whose `errors` name each of `fields`."""
    assert response.mimetype == "application/problem+json", response.mimetype
    body = response.get_json()
    assert {"type", "title", "status", "detail", "code"} <= set(body)
    assert body["status"] == response.status_code
    for field in fields:
        assert field in (body.get("errors") or {}), f"{field} not named in {body}"
    return body
