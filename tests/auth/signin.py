"""Helpers for sign-in tests: a browser-like `requests` session against a live server whose
embedded provider is configured over HTTP, as a developer or a test script would."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import requests
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.models import User, UserSession


def configure_provider(base: str, **settings) -> dict:
    response = requests.post(f"{base}/dev-idp/config", json=settings, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def sign_in_as(base: str, email: str, *, next_path: str = "/account", session=None, **settings):
    """Sign `email` in non-interactively; returns the browser session and the final response."""
    configure_provider(base, interactive=False, user={"email": email}, **settings)
    browser = session or requests.Session()
    response = browser.get(f"{base}/login", params={"next": next_path}, timeout=20)
    return browser, response


def stop_at_callback(base: str, browser: requests.Session, email: str) -> str:
    """Go through /login and the provider, but stop before /auth/callback; returns its URL."""
    configure_provider(base, interactive=False, user={"email": email})
    response = browser.get(f"{base}/login", allow_redirects=False, timeout=10)
    assert response.status_code == 302
    response = browser.get(response.headers["Location"], allow_redirects=False, timeout=10)
    assert response.status_code == 302, response.text
    callback = response.headers["Location"]
    assert urlsplit(callback).path == "/auth/callback"
    return callback


def sign_out(base: str, browser: requests.Session) -> requests.Response:
    """Sign out as a person does: the confirmation page, then its form (a POST with the token)."""
    page = browser.get(f"{base}/logout", timeout=10)
    assert page.status_code == 200 and "Sign out" in page.text, page.text[:500]
    return browser.post(f"{base}/logout", data={"csrf_token": csrf_token(page.text)}, timeout=10)


def me(base: str, browser: requests.Session) -> requests.Response:
    return browser.get(f"{base}/api/v1/me", timeout=10)


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the form has no CSRF token"
    return match.group(1)


def query(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def eventually(check: Callable[[], bool], timeout: float = 10.0) -> bool:
    """Poll `check` until it is true or `timeout` seconds pass (for work done in the background)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return check()


# The people of the `base` fixture (conftest.py).
PUBLISHER = "publisher@dft.gov.uk"
ADMIN = "admin@dft.gov.uk"


def user_count() -> int:
    db.session.remove()
    return db.session.scalar(select(func.count()).select_from(User))


# A signed token's header and payload, which no page or log line may show.
JWT = re.compile(r"eyJ[\w-]+\.[\w-]+\.")


def session_count() -> int:
    db.session.remove()
    return db.session.scalar(select(func.count()).select_from(UserSession))
