"""Requesting pages as a browser does in tests, and reading what came back."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

# What browsers send: text/html above everything else.
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
# How every page title ends, after the page's own name: en dashes, as GOV.UK writes it.
TITLE_SUFFIX = " \N{EN DASH} Data Marketplace \N{EN DASH} GOV.UK"


def page(client: FlaskClient, path: str, *, status: int, method: str = "GET", **kwargs: Any) -> TestResponse:
    """Request `path` as a browser, assert the status and that an HTML page came back."""
    headers = {"Accept": BROWSER_ACCEPT, **kwargs.pop("headers", {})}
    response = client.open(path, method=method, headers=headers, **kwargs)
    body = response.get_data(as_text=True)
    assert response.status_code == status, f"{method} {path}: expected {status}, got {response.status_code}"
    assert response.mimetype == "text/html", f"{method} {path}: {response.mimetype}: {body[:500]}"
    return response


def title_of(html: str) -> str:
    match = re.search(r"<title>(.*?)</title>", html, re.DOTALL)
    assert match, "the page has no <title>"
    return " ".join(match.group(1).split())


def h1_of(html: str) -> str:
    match = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.DOTALL)
    assert match, "the page has no <h1>"
    return " ".join(match.group(1).split())


class _Scripts(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self.scripts.append(dict(attrs))


def scripts_of(html: str) -> list[dict[str, str | None]]:
    """The attributes of each <script> on the page."""
    parser = _Scripts()
    parser.feed(html)
    return parser.scripts


def html_of(client: FlaskClient, path: str, status: int = 200) -> str:
    """The page at `path` as text, after checking its status as `page` does."""
    return page(client, path, status=status).get_data(as_text=True)


def position_of(html: str, text: str) -> int:
    """Where `text` first appears on the page, asserting that it does (to check what comes first)."""
    assert text in html, text
    return html.index(text)
