"""Pages run only our own scripts and styles: a Content-Security-Policy with a fresh nonce per
request for GOV.UK Frontend's one inline script, and no framing, sniffing or full referrers; in
production, every response tells browsers to use HTTPS only."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

import pytest
import requests

from marketplace import create_app
from marketplace.extensions import db
from tests.conftest import serving
from tests.production import production_settings
from tests.web.pages import BROWSER_ACCEPT, page, scripts_of


def nonce_of(policy: str) -> str:
    match = re.search(r"script-src 'self' 'nonce-([A-Za-z0-9_-]{16,})'", policy)
    assert match, policy
    return match.group(1)


def test_a_page_forbids_what_is_not_our_own(client):
    policy = page(client, "/", status=200).headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives == {
        "default-src": "'self'",
        "script-src": f"'self' 'nonce-{nonce_of(policy)}'",
        "style-src": "'self'",
        "img-src": "'self' data:",
        "font-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'none'",
        "frame-ancestors": "'none'",
    }


def test_the_only_inline_script_carries_the_nonce_of_the_policy_and_ours_are_module_files(client):
    response = page(client, "/", status=200)
    nonce = nonce_of(response.headers["Content-Security-Policy"])
    scripts = scripts_of(response.get_data(as_text=True))
    inline = [s for s in scripts if "src" not in s]
    external = [s for s in scripts if "src" in s]
    assert [s.get("nonce") for s in inline] == [nonce]  # GOV.UK Frontend's template's own
    # Ours are module files: GOV.UK Frontend's start-up on every page, and page scripts (search.js).
    assert {"type": "module", "src": "/assets/init.js"} in external
    assert all(s.get("type") == "module" and s["src"].startswith("/assets/") for s in external)
    with client.get("/assets/init.js") as init:
        assert 'from "./govuk-frontend.min.js"' in init.get_data(as_text=True)


def test_each_request_gets_a_fresh_nonce(client):
    first = nonce_of(page(client, "/", status=200).headers["Content-Security-Policy"])
    second = nonce_of(page(client, "/", status=200).headers["Content-Security-Policy"])
    assert first != second


def test_a_page_cannot_be_framed_or_sniffed_and_sends_only_its_origin_elsewhere(client):
    headers = page(client, "/", status=200).headers
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_error_pages_carry_the_same_policy(client):
    headers = page(client, "/nowhere", status=404).headers
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"


# Strict-Transport-Security (issue 11, section 6) ------------------------------------------------

HSTS = "max-age=31536000; includeSubDomains"


@pytest.fixture
def production_site(tmp_path) -> Iterator[str]:
    """A production app served over real HTTP on loopback (its database is never migrated: the
    answers below need none)."""
    logger = logging.getLogger("marketplace")
    propagate, level = logger.propagate, logger.level
    production = create_app(
        production_settings(tmp_path, TRUSTED_HOSTS="127.0.0.1", SEARCH_SYNC_INTERVAL=0),
        instance_path=str(tmp_path / "instance"),
    )
    try:
        with serving(production) as base_url:
            yield base_url
    finally:
        with production.app_context():
            db.engine.dispose()
        logger.propagate, logger.level = propagate, level


@pytest.mark.parametrize(
    ("method", "path", "headers", "status"),
    [
        ("GET", "/healthz", {}, 200),
        ("POST", "/healthz", {}, 405),
        ("GET", "/assets/init.js", {}, 200),
        ("GET", "/nowhere", {"Accept": BROWSER_ACCEPT}, 404),
        ("GET", "/api/v1/nowhere", {}, 404),
        ("GET", "/readyz", {}, 503),  # its database was never migrated
        ("GET", "/healthz", {"Host": "attacker.example"}, 400),
    ],
)
def test_production_asks_for_https_only_on_every_response(production_site, method, path, headers, status):
    response = requests.request(method, f"{production_site}{path}", headers=headers, timeout=10)
    assert response.status_code == status, response.text[:500]
    assert response.headers["Strict-Transport-Security"] == HSTS


def test_development_and_the_test_suite_send_no_hsts_over_plain_http(live_server):
    # HSTS on http://127.0.0.1 would make a developer's browser refuse the plain-HTTP server.
    for path in ("/", "/healthz", "/nowhere"):
        assert "Strict-Transport-Security" not in requests.get(f"{live_server}{path}", timeout=10).headers
