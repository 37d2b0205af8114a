"""Searching through the API in tests: the response body, and the slugs it ranks."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask.testing import FlaskClient

from tests.helpers import api

DATASETS = "/api/v1/datasets"


def search(client: FlaskClient, q: str | None = None, *, token: str | None = None, **params: Any) -> dict:
    """GET /api/v1/datasets with `q` and other parameters (lists repeat the parameter); must be 200."""
    args = {"q": q, **params} if q is not None else params
    query = urlencode(args, doseq=True)
    return api(client, "GET", f"{DATASETS}?{query}", status=200, token=token).get_json()


def slugs(body: dict) -> list[str]:
    return [item["slug"] for item in body["items"]]


def ranked(client: FlaskClient, q: str, *, token: str | None = None) -> list[str]:
    """The slugs of the first 100 results for `q`, best first."""
    return slugs(search(client, q, token=token, per_page=100))


def rank_of(slug: str, ranking: list[str]) -> str:
    """Where `slug` came, for failure messages: '#4', or 'absent'."""
    return f"#{ranking.index(slug) + 1}" if slug in ranking else "absent"
