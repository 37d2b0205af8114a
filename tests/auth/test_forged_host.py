"""A forged Host header cannot move sign-in: the security review's takeover, replayed over real HTTP.

The attacker runs an OpenID provider of their own (here, a second app's embedded provider on
another port, registered with the service's public key) and sends the service requests whose
Host header names it. When the issuer was derived from Host, `/login` sent the sign-in there and
`/auth/callback` accepted its ID token for a pre-provisioned site admin; back-channel logout
accepted a logout token signed by the attacker's key. Now the issuer, redirect URIs and logout
audience come from configuration (BASE_URL, OIDC_ISSUER) only."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import pytest
import requests
from flask import Flask, request

from marketplace.devidp.backchannel import logout_token
from marketplace.devidp.settings import derive_sub
from tests.auth.signin import configure_provider, me, sign_in_as
from tests.conftest import make_app, serving
from tests.factories import create_organisation, create_user

CHIEF = "chief@cabinet-office.gov.uk"  # a site admin added before ever signing in


@dataclass
class Attacker:
    app: Flask
    base: str = ""
    received: list[str] = field(default_factory=list)  # the path of every request it was sent


@pytest.fixture
def attacker(database_url, tmp_path) -> Iterator[Attacker]:
    """The attacker's provider, on its own port."""
    attacker = Attacker(make_app(database_url, tmp_path / "attacker"))
    attacker.app.before_request(lambda: attacker.received.append(request.path))
    with serving(attacker.app) as base:
        attacker.base = base
        yield attacker


@pytest.fixture
def victim(app, live_server):
    office = create_organisation(slug="cabinet-office", email_domains=["cabinet-office.gov.uk"])
    create_user(email=CHIEF, organisation=office, roles=("site_admin",))
    configure_provider(live_server, reset=True)
    return live_server


def _host(base: str) -> str:
    return urlsplit(base).netloc


def _walk(browser: requests.Session, first: requests.Response, victim: str, attacker: str) -> list[str]:
    """Follow redirects as the attacker's victim would, replaying any callback addressed to the
    attacker's host to the service with the forged Host; returns every Location visited."""
    visited, response = [], first
    for _ in range(10):
        if not response.is_redirect:
            break
        location = urljoin(response.url, response.headers["Location"])
        visited.append(location)
        parts = urlsplit(location)
        if parts.netloc == _host(attacker) and parts.path == "/auth/callback":
            response = browser.get(
                f"{victim}{parts.path}?{parts.query}",
                headers={"Host": _host(attacker)},
                allow_redirects=False,
                timeout=20,
            )
        else:
            response = browser.get(location, allow_redirects=False, timeout=20)
    return visited


def test_a_forged_host_cannot_send_sign_in_to_another_provider(victim, attacker):
    attacker_base, received = attacker.base, attacker.received
    # The attacker's provider: signs in the site admin at once, for the service's own client id
    # and public key (both public), returning to whatever the service asks.
    configure_provider(
        attacker_base,
        interactive=False,
        user={"email": CHIEF},
        client={
            "redirect_uris": [f"{attacker_base}/auth/callback"],
            "jwks_uri": f"{victim}/.well-known/jwks.json",
        },
    )
    received.clear()
    browser = requests.Session()
    first = browser.get(
        f"{victim}/login?next=/api/v1/me",
        headers={"Host": _host(attacker_base)},
        allow_redirects=False,
        timeout=20,
    )
    visited = _walk(browser, first, victim, attacker_base)

    assert visited, "the forged sign-in did not redirect at all"
    assert all(location.startswith(victim) for location in visited), visited
    assert not [path for path in received if path.startswith("/dev-idp")], received
    assert me(victim, browser).status_code == 401


def test_back_channel_logout_ignores_a_forged_host_and_its_providers_keys(victim, attacker):
    browser, _ = sign_in_as(victim, CHIEF)
    assert me(victim, browser).json()["roles"] == ["member", "site_admin"]
    with attacker.app.test_request_context(base_url=attacker.base):
        # Everything a logout token needs, signed by the attacker's provider key.
        forged = logout_token(client_id="data-marketplace", sub=derive_sub(CHIEF), sid=None, alg="ES256")

    response = requests.post(
        f"{victim}/auth/backchannel-logout",
        data={"logout_token": forged},
        headers={"Host": _host(attacker.base)},
        timeout=20,
    )

    assert response.status_code == 400
    assert me(victim, browser).status_code == 200


def test_login_on_another_host_name_for_the_service_starts_again_at_base_url(victim):
    localhost = victim.replace("127.0.0.1", "localhost")
    response = requests.get(f"{localhost}/login?next=/datasets", allow_redirects=False, timeout=10)
    assert response.status_code == 302
    assert response.headers["Location"] == f"{victim}/login?next=/datasets"


def test_the_redirect_uri_and_issuer_come_from_base_url(victim):
    response = requests.get(f"{victim}/login", allow_redirects=False, timeout=10)
    location = urlsplit(response.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{victim}/dev-idp/authorize"
    assert f"redirect_uri={requests.utils.quote(victim + '/auth/callback', safe='')}" in location.query


@pytest.mark.parametrize("path", ["/login", "/api/v1/datasets", "/datasets", "/auth/callback?code=x&state=y"])
def test_an_untrusted_host_gets_400_and_is_never_echoed(victim, path):
    response = requests.get(
        f"{victim}{path}", headers={"Host": "attacker.example"}, allow_redirects=False, timeout=10
    )
    assert response.status_code == 400
    assert "attacker.example" not in response.text
    assert "attacker.example" not in response.headers.get("Location", "")
